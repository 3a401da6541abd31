/**
 * Lessons 01 and 02: the lock-step TCP chat. A copy of 01 is checked as a server, with the
 * checker as its client; a copy of 02 as a client, with the checker as its server.
 */
import { freePort, output, until } from '../../test/harness.ts';
import {
  type Check,
  type CheckSet,
  type Context,
  connectTo,
  exitsWith,
  failsInOneLine,
  lastWords,
  listen,
  Miss,
  prints,
  readBy,
  shown,
  WAIT_MS,
  type Wrong,
} from '../checks.ts';
import type { Exercise } from '../exercises.ts';

const PROMPT = '请输入:\n>>>';
const many = (line: string) => Array.from({ length: 20 }, () => line);

export const server01: CheckSet = {
  lesson: '01',
  script: '01-tcp-server.ts',
  role: 'server',
  checks: [
    {
      name: 'prints what a client sends, then asks for an answer',
      section: 'How it works',
      async run(c) {
        const s = await c.serve();
        const peer = await connectTo(c, s);
        peer.socket.write('hello');
        await prints(
          s.proc,
          `hello\n${PROMPT}`,
          'hello',
          `"hello", then the prompt ${shown(PROMPT)}`,
        );
      },
    },
    {
      name: 'sends the typed line, as typed (no newline)',
      section: 'How it works',
      async run(c) {
        const s = await c.serve({ input: ['hi there'], open: true });
        const peer = await connectTo(c, s);
        peer.socket.write('hello');
        await peer.receives('hi there', 'hello, and "hi there" typed at its prompt');
        if (peer.text() !== 'hi there')
          throw new Miss('"hi there" typed', 'exactly "hi there"', `it sent ${shown(peer.text())}`);
      },
    },
    {
      name: 'a character split across two reads is printed whole',
      section: 'How it works',
      async run(c) {
        const s = await c.serve({ input: many('ok'), open: true });
        const peer = await connectTo(c, s);
        const bytes = Buffer.from('你好');
        const until = performance.now() + WAIT_MS;
        for (const byte of bytes) {
          peer.socket.write(Buffer.from([byte])); // one byte a write, and each read before the next
          await readBy(peer.socket, until);
        }
        peer.socket.write('!');
        await prints(s.proc, '!', '你好! one byte at a time', 'what was sent');
        const printed = output(s.proc).stdout;
        if (printed.includes('\uFFFD') || !printed.replace(/\n|请输入:|>>>/g, '').includes('你好!'))
          throw new Miss(
            '你好! one byte at a time',
            '"你好!" (decode the stream, not each read: setEncoding)',
            `it printed ${shown(printed.replace(/^listening on .*\n/, ''))}`,
          );
      },
    },
    {
      name: 'ends with exit 0 when the client sends bye, even if the client stays connected',
      section: 'How it works',
      async run(c) {
        const s = await c.serve();
        const peer = await connectTo(c, s);
        peer.socket.write('bye'); // and the checker keeps its socket open, as the listing's client
        await exitsWith(s.proc, 0, 'bye, then nothing (the connection left open)', 'exit code 0');
        await peer.closed('bye', 'the server closes the connection');
      },
    },
    {
      name: 'a client that hangs up while it waits at the prompt is noticed at once',
      section: 'Differences from the Python listing',
      async run(c) {
        const s = await c.serve();
        const peer = await connectTo(c, s);
        peer.socket.write('hello');
        await prints(s.proc, PROMPT, 'hello', 'its prompt');
        peer.socket.end();
        await prints(s.proc, '(the client closed the connection)', 'hello, then a FIN');
        await exitsWith(s.proc, 0, 'hello, then a FIN', 'exit code 0');
      },
    },
    {
      name: 'a client that resets: one line on stderr, exit 1, no stack trace',
      section: 'Differences from the Python listing',
      async run(c) {
        const s = await c.serve();
        const peer = await connectTo(c, s);
        peer.socket.write('hello');
        await prints(s.proc, 'hello', 'hello');
        peer.socket.resetAndDestroy();
        const sent = 'hello, then a reset (RST)';
        await failsInOneLine(s.proc, sent, 'exit code 1 and one line on stderr', /./);
      },
    },
    {
      name: 'listens on IPv6 with --host ::1',
      section: 'Run it',
      async run(c) {
        const s = await c.serve({ args: ['--host', '::1'] });
        if (s.host !== '::1')
          throw new Miss(
            '--host ::1',
            '"listening on [::1]:PORT"',
            shown(`listening on ${s.address}`),
          );
        const peer = await connectTo(c, s, '::1');
        peer.socket.write('over IPv6');
        await prints(s.proc, 'over IPv6', 'over IPv6, to [::1]');
      },
    },
  ],
};

/**
 * Lesson 02's checks for a client of the lock-step chat, wherever the checker listens for it:
 * `at` starts the checker's server (TCP here; a socket path for lesson 19's client), `flag` is
 * how the client is told where (`--port`, `--path`).
 */
export function lockStepClient(
  at: (c: Context) => ReturnType<typeof listen>,
  flag: string,
): Check[] {
  return [
    {
      // The gate: only that it connects where it was told and sends something. What it sends is
      // the next check's, so that a client that adds a newline fails that one check, not all.
      name: `connects to ${flag} and sends the typed line`,
      section: 'How it works',
      async run(c) {
        const server = await at(c);
        const proc = c.client(server, { input: ['hello'], open: true });
        const sent = `${flag}, and "hello" typed`;
        const peer = await server.next(sent, proc);
        await until(peer.text, /[\s\S]/, 'the client', WAIT_MS).catch(() => {
          throw new Miss(sent, 'the typed line on that connection', `nothing; ${lastWords(proc)}`);
        });
      },
    },
    {
      name: 'sends the typed line as typed: no newline added',
      section: 'How it works',
      async run(c) {
        // Bytes come in order: once "again" (sent after the answer) is in, so is all of "hello".
        const server = await at(c);
        const proc = c.client(server, { input: ['hello', 'again'], open: true });
        const peer = await server.next('"hello" typed', proc);
        await peer.receives('hello', '"hello" typed');
        peer.socket.write('hi');
        const sent = '"hello", then (after the answer "hi") "again" typed';
        await peer.receives('again', sent);
        if (peer.text() !== 'helloagain')
          throw new Miss(
            sent,
            'exactly "hello", then "again": "helloagain" in all',
            `it sent ${shown(peer.text())}`,
          );
      },
    },
    {
      name: "prints the server's answer, then asks for the next line",
      section: 'Transcript',
      async run(c) {
        const server = await at(c);
        const proc = c.client(server, { input: ['hello'], open: true });
        const peer = await server.next('"hello" typed');
        await peer.receives('hello', '"hello" typed');
        peer.socket.write('hi');
        await prints(proc, `${PROMPT}hi\n${PROMPT}`, 'the answer "hi"', `"hi" between two prompts`);
      },
    },
    {
      name: 'an empty line is not sent: it asks again',
      section: 'Differences from the Python listing',
      async run(c) {
        const server = await at(c);
        c.client(server, { input: ['', 'x'], open: true });
        const peer = await server.next('an empty line, then "x"');
        await peer.receives('x', 'an empty line, then "x"');
        // nothing before "x" (what comes with or after it is the check above's)
        if (!peer.text().startsWith('x'))
          throw new Miss('"", then "x"', 'nothing before "x"', shown(peer.text()));
      },
    },
    {
      name: 'ends when the server answers bye, exit 0',
      section: 'How it works',
      async run(c) {
        const server = await at(c);
        const proc = c.client(server, { input: ['hello'], open: true });
        const peer = await server.next('"hello" typed');
        await peer.receives('hello', '"hello" typed');
        peer.socket.write('bye');
        await exitsWith(proc, 0, 'the answer "bye"', 'exit code 0');
      },
    },
    {
      name: 'a server that closes is noticed: it says so, exit 0',
      section: 'Differences from the Python listing',
      async run(c) {
        const server = await at(c);
        const proc = c.client(server, { input: ['hello'], open: true });
        const peer = await server.next('"hello" typed');
        await peer.receives('hello', '"hello" typed');
        peer.socket.end();
        await prints(proc, '(the server closed the connection)', 'a FIN instead of an answer');
        await exitsWith(proc, 0, 'a FIN instead of an answer', 'exit code 0');
      },
    },
  ];
}

/** A client started where nothing listens: one line that says to start the server, exit 1
 * (02, 07, 13, 15 and 28 alike; `input` is typed first for a client that reads it). */
export function nothingListening(input?: string[]): Check {
  return {
    name: 'nothing listening: one line that says to start the server, exit 1',
    section: 'Run it',
    async run(c) {
      const port = await freePort();
      const proc = c.client({ port }, input ? { input } : {});
      const sent = `--port ${port}, where nothing listens`;
      const expected = 'one line "nothing is listening on … — start … first", exit code 1';
      await failsInOneLine(proc, sent, expected, /nothing is listening/);
    },
  };
}

export const client02: CheckSet = {
  lesson: '02',
  script: '02-tcp-client.ts',
  role: 'client',
  checks: [...lockStepClient((c) => listen(c), '--port'), nothingListening(['hello'])],
};

export const exercises0102: Exercise[] = [
  {
    id: '02-turn',
    lesson: '02',
    script: '02-tcp-client.ts',
    title: "the client's turn: send the typed line, then print the answer",
    task: [
      'Send `info` to the server, then wait for its answer (`next`):',
      '- the stream has ended (`done`): say "(the server closed the connection)" and stop;',
      '- the answer is bye: stop; anything else: print it, and listen for the next answer.',
    ].join('\n'),
    hints: [
      '`sk.write(info)` sends the line; `await next` is the answer, `{ value, done }`.',
      'Before the next turn, start listening again: `next = received.next()` (see input()).',
      'The lesson\'s "How it works" walks through the loop, line by line.',
    ],
    zh: {
      title: '客户端的一轮：发出输入的一行，再打印回答',
      task: [
        '把 `info` 发给服务端，然后等它的回答（`next`）：',
        '- 流已经结束（`done`）：打印“(the server closed the connection)”，然后停下；',
        '- 回答是 bye：停下；其他回答：打印出来，再等下一个回答。',
      ].join('\n'),
      hints: [
        '`sk.write(info)` 发出这一行；`await next` 就是回答，形如 `{ value, done }`。',
        '开始下一轮之前，重新开始接收：`next = received.next()`（见 input()）。',
        '本课的“原理”一节逐行讲解了这个循环。',
      ],
    },
  },
];

export const wrong0102: Wrong[] = [
  {
    lesson: '01',
    what: 'a hard-coded port',
    edits: [
      ['const { host, port } = flags(8088);', 'const { host } = flags(8088);\nconst port = 8088;'],
    ],
    fails: 'starts',
    says: /ignores --port|already in use|it listens on 8088/,
  },
  {
    lesson: '01',
    what: 'each read decoded on its own (no setEncoding)',
    edits: [
      ["conn.setEncoding('utf8');", ''],
      ['console.log(res);', 'console.log(String(res));'],
    ],
    fails: 'split across two reads',
    says: /decode the stream/,
  },
  {
    lesson: '01',
    what: 'a server that never closes: end() waits for the client to close first',
    edits: [['conn.destroySoon();', 'conn.end();']],
    fails: 'ends with exit 0 when the client sends bye',
    says: /still running after/,
  },
  {
    lesson: '02',
    what: 'a client that never closes: end() waits for the server to close first',
    edits: [['sk.destroySoon();', 'sk.end();']],
    fails: 'ends when the server answers bye',
    says: /still running after/,
  },
  {
    lesson: '02',
    what: 'a hard-coded port',
    edits: [
      ['const { host, port } = flags(8088);', 'const { host } = flags(8088);\nconst port = 8088;'],
    ],
    fails: 'connects to --port',
    says: /without connecting|none came/,
  },
  {
    lesson: '02',
    what: 'a newline added to the typed line',
    edits: [['sk.write(info); // send()', "sk.write(info + '\\n'); // send()"]],
    fails: 'no newline added',
    says: /"helloagain" in all; got it sent "hello\\nagain\\n"/,
  },
];
