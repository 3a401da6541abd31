/**
 * Lessons 06 and 07: one server, many clients, served one at a time in the order they connected.
 * A copy of 06 is checked as a server, with the checker playing several clients at once; a copy
 * of 07 as a client, with the checker as a server that keeps it waiting for its turn.
 */
import { output, type Proc, pause, type Server, until } from '../../test/harness.ts';
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
  shown,
  type Talk,
  WAIT_MS,
  type Wrong,
} from '../checks.ts';
import type { Exercise } from '../exercises.ts';
import { nothingListening } from './01-02-tcp-chat.ts';

const PROMPT = '请输入>>>';
const CLOSED = '(the server closed the connection)';

/** How long a check watches for something that must NOT happen (a client served out of turn):
 * short, since a right program never does it; a wrong one usually does it at once. */
const QUIET_MS = 500;

/** Resolve with true if `text` shows up on the program's stdout within `ms`. */
async function shows(proc: Proc, text: string, ms = QUIET_MS): Promise<boolean> {
  const began = performance.now();
  while (performance.now() - began < ms) {
    if (output(proc).stdout.includes(text)) return true;
    await pause(10);
  }
  return output(proc).stdout.includes(text);
}

/** Type a line at a server started with its stdin left open. */
const typeIn = (s: Server, line: string) => s.proc.stdin.write(`${line}\n`);

/** A client of the checker's that says one thing and waits, with the server's stdout shown. */
async function says(c: Context, s: Server, line: string): Promise<Talk> {
  const peer = await connectTo(c, s);
  peer.socket.write(line);
  return peer;
}

/** The answer a client got must be exactly `answer`, and the server must then hang up. */
async function answered(peer: Talk, answer: string, sent: string) {
  await peer.receives(answer, sent);
  if (peer.text() !== answer)
    throw new Miss(sent, `exactly ${shown(answer)}`, `it sent ${shown(peer.text())}`);
  await peer.closed(sent, 'the server closes the connection after the answer');
}

export const server06: CheckSet = {
  lesson: '06',
  script: '06-tcp-multi-server.ts',
  role: 'server',
  checks: [
    {
      name: 'prints 收到 and what a client sends, then asks for an answer',
      section: 'How it works',
      async run(c) {
        const s = await c.serve();
        await says(c, s, 'hello');
        await prints(s.proc, `收到 hello\n${PROMPT}`, 'hello', `"收到 hello", then ${PROMPT}`);
      },
    },
    {
      name: 'sends the typed answer as typed (no newline), then closes the connection',
      section: 'How it works',
      async run(c) {
        const s = await c.serve({ input: ['hi there'], open: true });
        const peer = await says(c, s, 'hello');
        await answered(peer, 'hi there', 'hello, and "hi there" typed at its prompt');
      },
    },
    {
      name: 'the first client to connect is served first, even if the second speaks first',
      section: 'How it works',
      async run(c) {
        const s = await c.serve();
        const first = await connectTo(c, s);
        const second = await says(c, s, 'from second'); // connected after, but speaks first
        const sent = 'two connections; the second says "from second" before the first speaks';
        if (await shows(s.proc, '收到 from second'))
          throw new Miss(
            sent,
            'nothing from the second until the first, which connected first, is served',
            'it printed "收到 from second" first: it serves whoever speaks, not who came first',
          );
        first.socket.write('from first');
        await prints(s.proc, `收到 from first\n${PROMPT}`, `${sent}, then "from first"`);
        typeIn(s, 'answer 1');
        await answered(first, 'answer 1', '"answer 1" typed');
        await prints(s.proc, '收到 from second', 'the first client answered');
        typeIn(s, 'answer 2');
        await answered(second, 'answer 2', '"answer 2" typed');
      },
    },
    {
      name: 'a client that connects while another is served waits its turn',
      section: 'How it works',
      async run(c) {
        const s = await c.serve();
        const first = await says(c, s, 'from first');
        await prints(s.proc, `收到 from first\n${PROMPT}`, 'from first');
        const second = await says(c, s, 'from second');
        const sent = '"from first"; then, while it waits at the prompt, a second client';
        if (await shows(s.proc, '收到 from second'))
          throw new Miss(
            sent,
            'the second client left waiting until the first has its answer',
            'it printed "收到 from second" while the first still waited',
          );
        typeIn(s, 'answer 1');
        await answered(first, 'answer 1', `${sent}; then "answer 1" typed`);
        await prints(s.proc, `收到 from second\n${PROMPT}`, 'the first client answered');
        typeIn(s, 'answer 2');
        await answered(second, 'answer 2', '"answer 2" typed');
      },
    },
    {
      name: 'bye from a client stops the server, exit 0, and lets a waiting client go',
      section: 'How it works',
      async run(c) {
        const s = await c.serve();
        const bye = await connectTo(c, s);
        const waiting = await says(c, s, 'from second');
        bye.socket.write('bye');
        const sent = 'bye, with a second client waiting';
        await exitsWith(s.proc, 0, sent, 'exit code 0');
        await waiting.closed(sent, 'the waiting client let go (its connection closed)');
        if (output(s.proc).stdout.includes('收到'))
          throw new Miss(sent, 'nothing printed for bye', lastWords(s.proc));
      },
    },
    {
      name: 'a client that leaves before it speaks (a close, a reset) does not stop it',
      section: 'Differences from the Python listing',
      async run(c) {
        const s = await c.serve();
        (await connectTo(c, s)).socket.end();
        (await connectTo(c, s)).socket.resetAndDestroy();
        const sent = 'a client that closes, one that resets, then one that says "still there?"';
        await says(c, s, 'still there?');
        await prints(s.proc, '(the client closed the connection)', sent);
        await prints(s.proc, `收到 still there?\n${PROMPT}`, sent);
      },
    },
    {
      name: 'a client that sends more, then half-closes at the prompt, is let go at once',
      section: 'How it works',
      async run(c) {
        const s = await c.serve(); // nothing is typed: it must notice the end by itself
        const peer = await says(c, s, 'first\n');
        await prints(s.proc, `收到 first\n\n${PROMPT}`, 'first\\n');
        peer.socket.end('second\n'); // more bytes, then a FIN, as nc does at Ctrl+D
        const sent = 'first\\n; at the prompt, second\\n and a FIN';
        await prints(s.proc, `${PROMPT}\n(the client closed the connection)`, sent);
        await says(c, s, 'next one');
        await prints(s.proc, `收到 next one\n${PROMPT}`, `${sent}; then a next client`);
      },
    },
    {
      name: 'a client that resets at the prompt: one line on stderr, and the next is served',
      section: 'Differences from the Python listing',
      async run(c) {
        const s = await c.serve();
        const peer = await says(c, s, 'hello');
        await prints(s.proc, `收到 hello\n${PROMPT}`, 'hello');
        peer.socket.resetAndDestroy();
        await says(c, s, 'next one');
        const sent = 'hello, a reset at the prompt, then a next client';
        await prints(s.proc, `收到 next one\n${PROMPT}`, sent);
        const stderr = () => output(s.proc).stderr;
        await until(stderr, /\S/, 'its stderr', WAIT_MS).catch(() => {});
        if (!stderr().trim() || stderr().trim().includes('\n') || /^\s+at /m.test(stderr()))
          throw new Miss(sent, 'one line on stderr about the reset', `stderr ${shown(stderr())}`);
      },
    },
    {
      name: 'end of input at the prompt: the served and the waiting client are let go, exit 0',
      section: 'Differences from the Python listing',
      async run(c) {
        const s = await c.serve();
        const first = await says(c, s, 'from first');
        await prints(s.proc, `收到 from first\n${PROMPT}`, 'from first');
        const second = await says(c, s, 'from second');
        s.proc.stdin.end();
        const sent = 'two clients, then the end of input at the prompt';
        await exitsWith(s.proc, 0, sent, 'exit code 0');
        await first.closed(sent, 'the served client let go');
        await second.closed(sent, 'the waiting client let go');
      },
    },
  ],
};

/** The checker as 07's server: a client started with `input` typed (stdin left open). */
async function served(c: Context, input: string[]) {
  const server = await listen(c);
  const proc = c.client(server, { input, open: true });
  const peer = await server.next(
    `--port, and ${input.map((l) => shown(l)).join(', ')} typed`,
    proc,
  );
  return { proc, peer };
}

export const client07: CheckSet = {
  lesson: '07',
  script: '07-tcp-multi-client.ts',
  role: 'client',
  checks: [
    {
      name: 'connects to --port and sends the typed line at once, as typed (no newline)',
      section: 'How it works',
      async run(c) {
        const { peer } = await served(c, ['how are you?']);
        await peer.receives('how are you?', '"how are you?" typed');
        if (peer.text() !== 'how are you?')
          throw new Miss('"how are you?" typed', 'exactly "how are you?"', shown(peer.text()));
      },
    },
    {
      name: `prints the answer, then "${CLOSED}" when the server hangs up, exit 0`,
      section: 'Transcript',
      async run(c) {
        const { proc, peer } = await served(c, ['how are you?']);
        await peer.receives('how are you?', '"how are you?" typed');
        peer.socket.end('fine, thanks');
        const sent = 'the answer "fine, thanks", then a FIN';
        await prints(proc, `fine, thanks\n${CLOSED}`, sent);
        await exitsWith(proc, 0, sent, 'exit code 0');
      },
    },
    {
      // Exercise 07-waited's trap too: no answer came, so no "waited N ms" either.
      name: `a server that hangs up without an answer: "${CLOSED}" and nothing else, exit 0`,
      section: 'How it works',
      async run(c) {
        const { proc, peer } = await served(c, ['how are you?']);
        await peer.receives('how are you?', '"how are you?" typed');
        peer.socket.end();
        const sent = '"how are you?" typed; then a FIN, no answer';
        const done = await exitsWith(proc, 0, sent, 'exit code 0');
        const after = done.stdout.slice(done.stdout.indexOf(PROMPT) + PROMPT.length);
        if (after.trimEnd() !== CLOSED)
          throw new Miss(
            sent,
            `only ${shown(CLOSED)} after the prompt (no answer: nothing else to say)`,
            `it printed ${shown(after, 80)}`,
          );
      },
    },
    {
      name: 'keeps its side open while it waits its turn, and takes an answer that comes late',
      section: 'How it works',
      async run(c) {
        const { proc, peer } = await served(c, ['how are you?']);
        await peer.receives('how are you?', '"how are you?" typed');
        const sent = '"how are you?" typed; the answer held back (another client is served)';
        await pause(QUIET_MS);
        if (peer.socket.readableEnded || proc.exitCode !== null)
          throw new Miss(
            sent,
            'the connection open until the answer (06 takes a FIN for a client that left)',
            peer.socket.readableEnded
              ? 'it closed its side (FIN) right after sending'
              : `it ended (${proc.exitCode}) before its turn came`,
          );
        peer.socket.end('your turn');
        await prints(proc, `your turn\n${CLOSED}`, `${sent}; then "your turn" and a FIN`);
      },
    },
    {
      name: 'an answer that comes in two pieces is printed whole: it reads until the server hangs up',
      section: 'How it works',
      async run(c) {
        const { proc, peer } = await served(c, ['how are you?']);
        await peer.receives('how are you?', '"how are you?" typed');
        peer.socket.write('fine, ');
        await prints(proc, 'fine, ', '"fine, "');
        peer.socket.end('thanks');
        const sent = '"fine, ", then (once printed) "thanks" and a FIN';
        await prints(
          proc,
          `thanks\n${CLOSED}`,
          sent,
          '"thanks" (the second piece), then the close',
        );
      },
    },
    {
      name: 'sends bye and ends at once, exit 0, without waiting for an answer',
      section: 'How it works',
      async run(c) {
        const { proc, peer } = await served(c, ['bye']);
        await peer.receives('bye', '"bye" typed');
        const sent = '"bye" typed; no answer, the connection left open';
        await exitsWith(proc, 0, sent, 'exit code 0');
        await peer.closed(sent, 'the client closes its connection');
      },
    },
    {
      name: 'a server that hangs up while it waits at the prompt is noticed at once, exit 0',
      section: 'Differences from the Python listing',
      async run(c) {
        const server = await listen(c);
        const proc = c.client(server); // stdin open and empty: it waits at its prompt
        const peer = await server.next('--port, nothing typed', proc);
        peer.socket.end();
        const sent = 'a FIN while it waits at the prompt, nothing typed';
        await prints(proc, `${PROMPT}\n${CLOSED}`, sent);
        await exitsWith(proc, 0, sent, 'exit code 0');
      },
    },
    {
      name: 'an empty line is not sent: it asks again',
      section: 'Differences from the Python listing',
      async run(c) {
        const { proc, peer } = await served(c, ['', 'x']);
        await peer.receives('x', 'an empty line, then "x"');
        if (peer.text() !== 'x') throw new Miss('"", then "x"', 'only "x"', shown(peer.text()));
        await prints(proc, `${PROMPT}${PROMPT}`, 'an empty line', 'the prompt again');
      },
    },
    {
      name: 'a server that resets: one line on stderr, exit 1',
      section: 'Differences from the Python listing',
      async run(c) {
        const { proc, peer } = await served(c, ['how are you?']);
        await peer.receives('how are you?', '"how are you?" typed');
        peer.socket.resetAndDestroy();
        const expected = 'exit code 1 and one line on stderr that says the server reset it';
        await failsInOneLine(proc, 'a reset instead of the answer', expected, /reset/);
      },
    },
    nothingListening(['hello']), // lesson 02's
  ],
};

// ---- exercises ---------------------------------------------------------------------------------

/** 06-at-once is switched on by this variable, so the lesson's own checks (one at a time) still
 * hold for the same file without it. */
const AT_ONCE = { env: { AT_ONCE: '1' } };

const atOnce: Check[] = [
  {
    name: 'with AT_ONCE=1, two clients connected at once are both shown, nothing typed yet',
    section: 'Try this',
    async run(c) {
      const s = await c.serve(AT_ONCE);
      await says(c, s, 'from first');
      await prints(s.proc, '收到 from first', 'from first');
      await says(c, s, 'from second');
      await prints(
        s.proc,
        '收到 from second',
        'from first; then, nothing typed, a second client: "from second"',
        '"收到 from second" while the first still waits for its answer',
      );
    },
  },
  {
    name: 'with AT_ONCE=1, the second client is answered before the first has finished',
    section: 'Try this',
    async run(c) {
      const s = await c.serve(AT_ONCE);
      const first = await connectTo(c, s); // connected first, and quiet
      const second = await says(c, s, 'from second');
      const sent = 'a first client that says nothing yet; a second: "from second"';
      await prints(s.proc, `收到 from second\n${PROMPT}`, sent);
      typeIn(s, 'for second');
      await answered(second, 'for second', `${sent}; "for second" typed`);
      first.socket.write('from first');
      await prints(s.proc, `收到 from first\n${PROMPT}`, 'then "from first"');
      typeIn(s, 'for first');
      await answered(first, 'for first', '"for first" typed');
    },
  },
  {
    name: 'with AT_ONCE=1, typed answers go one each, in the order the messages came',
    section: 'Try this',
    async run(c) {
      const s = await c.serve(AT_ONCE);
      const first = await says(c, s, 'from first');
      await prints(s.proc, '收到 from first', 'from first');
      const second = await says(c, s, 'from second');
      await prints(s.proc, '收到 from second', 'from first, then from second');
      typeIn(s, 'one');
      typeIn(s, 'two');
      const sent = '"from first", "from second"; then "one" and "two" typed';
      await answered(first, 'one', sent);
      await answered(second, 'two', sent);
    },
  },
  {
    name: 'with AT_ONCE=1, bye still stops the server, exit 0, and lets the others go',
    section: 'Try this',
    async run(c) {
      const s = await c.serve(AT_ONCE);
      const first = await says(c, s, 'from first');
      await prints(s.proc, `收到 from first\n${PROMPT}`, 'from first');
      await says(c, s, 'bye');
      const sent = 'from first (at the prompt), then a second client: bye';
      await exitsWith(s.proc, 0, sent, 'exit code 0');
      await first.closed(sent, 'the first client let go');
    },
  },
];

/** How long 07-waited's server holds the answer: the client must say it waited at least that. */
const HOLD_MS = 300;

const waited: Check[] = [
  {
    name: 'says how long it waited for its answer ("waited N ms"), at least as long as it was held',
    section: 'Try this',
    async run(c) {
      const { proc, peer } = await served(c, ['how are you?']);
      await peer.receives('how are you?', '"how are you?" typed');
      const held = performance.now();
      await pause(HOLD_MS);
      while (performance.now() - held < HOLD_MS) await new Promise((next) => setImmediate(next));
      peer.socket.end('fine');
      const sent = `"how are you?" typed; the answer "fine" held back ${HOLD_MS} ms`;
      await prints(proc, CLOSED, sent);
      const ms = /waited (\d+(?:\.\d+)?) ms/.exec(output(proc).stdout)?.[1];
      if (ms === undefined || Number(ms) < HOLD_MS - 1)
        throw new Miss(
          sent,
          `a line "waited N ms" with N at least ${HOLD_MS}`,
          ms === undefined ? lastWords(proc) : `"waited ${ms} ms"`,
        );
    },
  },
];

export const exercises0607: Exercise[] = [
  {
    id: '06-at-once',
    lesson: '06',
    script: '06-tcp-multi-server.ts',
    title: 'serve every client at once instead of in turn (when AT_ONCE=1)',
    task: [
      'When the environment variable AT_ONCE is set, serve each connection as it comes, in an async',
      'function of its own, instead of the one-at-a-time loop below: a second client is shown and',
      'answered while the first still waits. The keyboard takes one prompt at a time, in the order',
      'the messages came. bye still stops the server. Run it: AT_ONCE=1 npx tsx FILE',
    ].join('\n'),
    hints: [
      "server.on('connection', (conn) => void serve(conn)) starts one serve() per client; recv(), rest() and input() below still do each step.",
      'Two prompts at once would race for the same typed line: chain them, `turn = turn.then(() => ask(...))`, so each waits for the one before.',
      'Without the for await loop, nothing reaches the end of main() by itself: resolve a promise on bye (or the end of input), then close as the loop does, and return.',
    ],
    zh: {
      title: '同时服务所有客户端，而不是一个接一个（AT_ONCE=1 时）',
      task: '设置了环境变量 AT_ONCE 时，每个连接一来就处理，各自在一个 async 函数里，不再用下面那个一次一个的循环：第一个客户端还在等的时候，第二个客户端的消息就显示出来，并得到回答。键盘一次只回答一个提示符，按消息到达的顺序。bye 仍然让服务端停下。运行：AT_ONCE=1 npx tsx FILE',
      hints: [
        "server.on('connection', (conn) => void serve(conn)) 为每个客户端启动一个 serve()；每一步仍然由下面的 recv()、rest() 和 input() 来做。",
        '两个提示符同时出现，会争抢同一行输入：把它们串起来，`turn = turn.then(() => ask(...))`，让每个提示符等前一个结束。',
        '没有了 for await 循环，就没有什么会自己走到 main() 的结尾：收到 bye（或输入结束）时完成（resolve）一个 promise，然后像循环那样关闭，再返回。',
      ],
    },
    extra: atOnce,
  },
  {
    id: '07-waited',
    lesson: '07',
    script: '07-tcp-multi-client.ts',
    title: 'say how long the client waited for its turn',
    task: [
      'Print "waited N ms" when the answer arrives: N from just before the line is sent to when the',
      'first part of the answer comes (`answer` resolves with it). Print nothing for bye, nor if the',
      'server hangs up without an answer.',
    ].join('\n'),
    hints: [
      'performance.now() is a clock in milliseconds: take it before sk.write(info), and again in answer.then(...).',
      'answer resolves with { value, done }: done means the server hung up without a word.',
    ],
    zh: {
      title: '说出客户端等了多久才轮到它',
      task: '回答到达时打印“waited N ms”：N 从发出这一行之前算起，到回答的第一部分到达为止（`answer` 完成时给出的就是它）。发的是 bye 时什么也不打印，服务端没回答就挂断时也不打印。',
      hints: [
        'performance.now() 是一个以毫秒计的时钟：在 sk.write(info) 之前取一次，在 answer.then(...) 里再取一次。',
        'answer 完成时给出 { value, done }：done 表示服务端一句话没说就挂断了。',
      ],
    },
    extra: waited,
  },
];

export const wrong0607: Wrong[] = [
  {
    lesson: '06',
    what: 'every client served at once, as it speaks, not in turn',
    edits: [
      [
        "for await (const [conn] of on(server, 'connection') as AsyncIterableIterator<[Socket]>) {",
        "server.on('connection', async (conn: Socket) => {",
      ],
      ['if (res === undefined) continue;', 'if (res === undefined) return;'],
      ["if (res === 'bye') break;", "if (res === 'bye') return process.exit(0);"],
      ['if (info === null) continue;', 'if (info === null) return;'],
      ['if (info === undefined) break;', 'if (info === undefined) return;'],
      [
        'then on to the next client\n  }',
        'then on to the next client\n  });\n  await new Promise(() => {});',
      ],
    ],
    fails: 'first client to connect is served first',
    // Seen at once, or (on a busy machine, past the check's short look) by the answers going to
    // the wrong clients: either way the check names whom it served first.
    says: /serves whoever speaks|expected it sends "answer 2"; got it sent "answer 1"/,
  },
  {
    lesson: '06',
    what: 'a server that never closes a connection it has answered',
    edits: [['conn.destroySoon(); // conn.close()', '// conn.close()']],
    fails: 'sends the typed answer',
    says: /still open/,
  },
  {
    lesson: '07',
    what: 'one read taken for the whole answer (one recv, not until the server hangs up)',
    edits: [
      [
        'for (let res = await answer; !res.done; res = await received.next()) console.log(res.value);',
        'const res = await answer;\n      if (!res.done) console.log(res.value);',
      ],
    ],
    fails: 'two pieces',
    says: /the second piece/,
  },
  {
    lesson: '07',
    what: 'bye waits for an answer that never comes',
    edits: [["if (info !== 'bye') {", 'if (info) {']],
    fails: 'sends bye and ends at once',
    says: /still running/,
  },
  {
    lesson: '07',
    what: 'its side closed right after sending (end() instead of write())',
    edits: [['sk.write(info); // send()', 'sk.end(info); // send()']],
    fails: 'keeps its side open',
    says: /closed its side/,
  },
  {
    lesson: '07',
    what: 'exercise 07-waited: "waited N ms" printed though the server hung up without an answer',
    edits: [
      [
        '// -- exercise 07-waited --',
        "// -- exercise 07-waited --\n    const sent = performance.now();\n    answer.then(() => console.log('waited', Math.round(performance.now() - sent), 'ms'), () => {});",
      ],
    ],
    fails: 'hangs up without an answer',
    says: /and nothing else.*got it printed "waited \d+ ms\\n\(the server closed/,
  },
];
