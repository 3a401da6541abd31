/**
 * Lessons 03 and 04: UDP, a datagram at a time. A copy of 03 is checked as a server, with the
 * checker sending it datagrams; a copy of 04 as a client, with the checker as its server.
 *
 * The helpers first: the other UDP pairs' sets (08-09, 10-11) use them too. A client is never
 * awaited on its exit alone: a datagram it sent is the evidence, and when it exits first the
 * line says how, and what it said.
 */
import {
  drained,
  freePort,
  isMarker,
  output,
  type Proc,
  type Server,
  type StartOptions,
} from '../../test/harness.ts';
import {
  type Check,
  type CheckSet,
  type Context,
  type Datagrams,
  datagrams,
  ended,
  exitsWith,
  failsInOneLine,
  lastWords,
  Miss,
  prints,
  shown,
  theirs,
  type Wrong,
} from '../checks.ts';
import type { Exercise } from '../exercises.ts';

type Datagram = Datagrams['got'][number];

// ---- helpers for every UDP set -----------------------------------------------------------------

/** Read every datagram that reached `peer` before now (a program that exited sent them all);
 * the marker `drained()` sends itself is dropped from `peer.got`. */
export async function settle(peer: Datagrams) {
  await drained(peer.socket);
  for (let i = peer.got.length - 1; i >= 0; i--) {
    const d = peer.got[i];
    if (d && isMarker(d.data)) peer.got.splice(i, 1);
  }
}

/**
 * The n-th datagram to reach `peer`, or a Miss as soon as `proc` (the program that should send
 * it, or answer with it) has ended without it: what it said is shown, not a wait run out.
 */
export async function arrives(
  peer: Datagrams,
  n: number,
  proc: Proc,
  sent: string,
  expected: string,
  without = 'without sending it',
): Promise<Datagram> {
  let over = false; // once decided, an exit later (the kill at the check's end) reads nothing
  const came = peer.nth(n, sent, expected);
  const exit = proc.then(async (done) => {
    if (!over) await settle(peer);
    return done;
  });
  for (const loser of [came, exit]) loser.catch(() => undefined); // never "unhandled"
  const first = await Promise.race([came, exit]).finally(() => {
    over = true;
  });
  if ('data' in first) return first;
  const got = peer.got[n - 1];
  if (got) return got;
  const count = peer.got.length;
  const before = count ? `after ${count} datagram${count > 1 ? 's' : ''}` : without;
  throw new Miss(sent, expected, `${ended(first)} ${before}${theirs(proc)}`);
}

/** The student's server, started (see `Context.serve`), and a peer to send it datagrams. */
export async function served(c: Context, options?: StartOptions) {
  const s = await c.serve(options);
  return { s, peer: await datagrams(c) };
}

/** Send `data` from `peer` to a server, and resolve with its answer (the next datagram). */
export function answer(
  s: Server,
  peer: Datagrams,
  data: string | Buffer,
  sent: string,
  expected = 'an answer',
) {
  const n = peer.got.length + 1;
  peer.send(data, s.port);
  return arrives(peer, n, s.proc, sent, expected, 'without answering');
}

/** A Miss unless `got` holds exactly `wanted`: shown as text, or in hex where either is not
 * UTF-8 (a byte that is not would show as � in both). */
export function same(got: Buffer, wanted: string | Buffer, sent: string, expected = '') {
  const want = Buffer.from(wanted);
  if (got.equals(want)) return;
  const text = (b: Buffer) => Buffer.from(b.toString('utf8')).equals(b);
  const hex = (b: Buffer) => `bytes ${b.toString('hex').replace(/(..)(?!$)/g, '$1 ')}`;
  const say = (b: Buffer) => (b.length > 60 ? `${b.length} bytes, ${shown(b, 20)}` : shown(b));
  const as = (text(got) && text(want)) || got.length > 60 ? say : hex;
  throw new Miss(sent, expected || as(want), as(got));
}

/** A peer that answers each datagram it receives (the n-th is `n`) with `reply`'s datagrams. */
export async function playing(
  c: Context,
  reply: (data: Buffer, n: number) => (string | Buffer)[] = () => [],
): Promise<Datagrams> {
  const peer = await datagrams(c);
  let n = 0;
  peer.socket.on('message', (data: Buffer, from) => {
    if (isMarker(data)) return;
    for (const d of reply(data, ++n)) peer.socket.send(d, from.port, from.address);
  });
  return peer;
}

/** A UDP port nothing is bound to. */
const nowhere = () => freePort('udp');

/** A client that never hears back: it gives up after its --timeout, in one line, exit 1. */
export function givesUp(script: string): Check {
  return {
    name: 'a server that never answers: it gives up after --timeout seconds, one line, exit 1',
    section: 'Differences from the Python listing',
    async run(c) {
      const peer = await playing(c); // receives, never answers
      const proc = c.client(peer, { args: ['--timeout', '0.3'], input: ['hello'] });
      const sent = '--timeout 0.3, "hello" typed, and no answer ever';
      await arrives(peer, 1, proc, sent, 'a datagram');
      const expected = `it gives up: one line ("no answer from 127.0.0.1:${peer.port} … — start ${script} first"), exit 1`;
      await failsInOneLine(proc, sent, expected, new RegExp(`:${peer.port}\\b`));
    },
  };
}

/**
 * The wrong solutions `obeysTimeout` catches: a wait written in the code (its one
 * `timeout * 1000`), short (2 s) or long (30 s: the checker's answer, due at 2 s, can be seconds
 * late when every set runs at once, and a wait of 5 s might then miss it; on a machine that
 * runs one check at a time, 5 s is caught as well).
 * `answer` is the start of what the client prints for the answer it should not have taken.
 */
export function waitsInCode(lesson: string, answer: string): Wrong[] {
  const wait = (ms: number) => ({
    lesson,
    what: `a wait written in the code (${ms / 1000} s), not --timeout`,
    edits: [['1), timeout * 1000);', `1), ${ms});`]] as [string, string][],
  });
  return [
    {
      ...wait(2000),
      fails: 'an answer 2.5 s late is waited for',
      says: /sent --timeout 30, .*; got it exited \(1\)/,
    },
    {
      ...wait(30_000),
      fails: 'an answer 2 s late comes after it gave up',
      says: new RegExp(`got exit code 0; it printed ".*${answer}`),
    },
  ];
}

/** A peer that answers each datagram `ms` after it came, with `reply`'s datagrams. `answered`
 * resolves once the first answer has left: what a check waits for before it looks for it. */
async function slowPeer(c: Context, ms: number, reply: (data: Buffer) => (string | Buffer)[]) {
  const peer = await datagrams(c);
  const timers = new Set<NodeJS.Timeout>();
  c.teardown(() => timers.forEach(clearTimeout)); // before the socket closes (teardown reverses)
  let answered = () => {};
  const first = new Promise<void>((resolve) => {
    answered = resolve;
  });
  peer.socket.on('message', (data: Buffer, from) => {
    if (isMarker(data)) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      for (const d of reply(data)) peer.socket.send(d, from.port, from.address);
      answered();
    }, ms);
    timers.add(timer);
  });
  return { peer, answered: first };
}

/**
 * A client's wait is --timeout, not a number in its code. Two answers held back: 2.5 s late under
 * --timeout 30 must be printed (a client that gives up at 2 s, the default, or after any wait
 * under 2.5 s, has given up by then: an order, whatever the load), and 2 s late under --timeout
 * 0.3 must not (a client that waits 2 s or more takes it). The margins: 27.5 s for the answer to
 * reach a client told 30 (the checker's own tests, every set at once on 2 cores, have seen it
 * more than 7 s late), and 1.7 s for a client told 0.3 to fire its own timer, which a busy
 * checker can only make easier (the answer leaves later; a starved client, once it runs, runs
 * its expired timer before it reads).
 * `line` is typed; `reply` answers it; `printed(port)` is what the client prints for that answer.
 */
export function obeysTimeout(
  line: string,
  reply: (data: Buffer) => (string | Buffer)[],
  printed: (port: number) => string,
): Check[] {
  return [
    {
      name: 'with --timeout 30, an answer 2.5 s late is waited for and printed (not a wait of its own)',
      section: 'Run it',
      async run(c) {
        const { peer, answered } = await slowPeer(c, 2500, reply);
        const proc = c.client(peer, { args: ['--timeout', '30'], input: [line] });
        const sent = `--timeout 30, ${shown(line)} typed, the answer sent 2.5 s after it`;
        await arrives(peer, 1, proc, sent, 'a datagram');
        await Promise.race([answered, proc]); // an order: the answer is out, or the client gone
        const wanted = printed(peer.port);
        await prints(proc, wanted, sent, `${shown(wanted)}: --timeout 30 is a wait of 30 s`);
      },
    },
    {
      name: 'with --timeout 0.3, an answer 2 s late comes after it gave up: one line, exit 1',
      section: 'Run it',
      async run(c) {
        const { peer } = await slowPeer(c, 2000, reply);
        const proc = c.client(peer, { args: ['--timeout', '0.3'], input: [line] });
        const sent = `--timeout 0.3, ${shown(line)} typed, the answer sent 2 s after it`;
        await arrives(peer, 1, proc, sent, 'a datagram');
        const expected = 'it gives up after 0.3 s, before the answer: one line, exit 1';
        await failsInOneLine(proc, sent, expected, new RegExp(`:${peer.port}\\b`));
        if (output(proc).stdout.includes(printed(peer.port)))
          throw new Miss(sent, expected, `it printed the answer; ${lastWords(proc)}`);
      },
    },
  ];
}

/** Nothing at --port: a UDP client is told nothing (or refused): one line, exit 1, no hang. */
export function noServer(expected: string, args = ['--timeout', '0.3']): Check {
  return {
    name: 'nothing at --port: one line, exit 1, no hang',
    section: 'Run it',
    async run(c) {
      const port = await nowhere();
      const proc = c.client({ port }, { args, input: ['hello'] });
      const sent = `--port ${port}, where nothing is bound, and "hello"`;
      await failsInOneLine(proc, sent, expected, new RegExp(`:${port}\\b`));
    },
  };
}

/** The largest line goes as one datagram; a byte more is refused by the kernel, one line.
 * `overhead`: the bytes a client adds to the typed line (09's colour codes). */
export function tooLong(args: string[] = [], overhead = 0): Check {
  const size = 65_507 - overhead;
  const bytes = (n: number) => `a line of ${n.toLocaleString('en')} bytes`;
  return {
    name: `${bytes(size)} goes as one datagram of 65,507; one byte more: one line, exit 1`,
    section: 'Differences from the Python listing',
    async run(c) {
      const peer = await playing(c, () => ['ok']);
      const largest = c.client(peer, { args, input: ['x'.repeat(size)] });
      const got = await arrives(peer, 1, largest, bytes(size), 'a datagram');
      if (got.data.length !== 65_507)
        throw new Miss(bytes(size), 'one datagram of 65,507 bytes', `one of ${got.data.length}`);
      // A client that swallows the error waits (30 s, or for ever for 09), and is told so.
      const over = c.client(peer, { args, input: ['x'.repeat(size + 1)] });
      const sent = `${bytes(size + 1)} (a datagram over IPv4 carries 65,507 at most)`;
      const expected = 'one line ("… too long for one datagram …"), exit 1';
      await failsInOneLine(over, sent, expected, /too (long|big|large)|EMSGSIZE/i);
    },
  };
}

// ---- lesson 03: the server --------------------------------------------------------------------

/** The two big datagrams: a read takes 1024 bytes of each, and the server goes on. */
const big: [string, number, string][] = [
  ['an oversized datagram (60,000 bytes)', 60_000, 'a'],
  ['the largest datagram (65,507 bytes)', 65_507, 'b'],
];

export const server03: CheckSet = {
  lesson: '03',
  script: '03-udp-server.ts',
  role: 'server',
  checks: [
    {
      name: 'answers a datagram upper-cased, from its own port, to the port it came from',
      section: 'How it works',
      async run(c) {
        const { s, peer } = await served(c);
        const got = await answer(s, peer, 'hello udp', '"hello udp"');
        same(got.data, 'HELLO UDP', '"hello udp"');
        if (got.from.port !== s.port)
          throw new Miss(
            '"hello udp"',
            `the answer from port ${s.port}, where it listens (sendto on the same socket)`,
            `it came from port ${got.from.port}`,
          );
      },
    },
    {
      name: "prints each datagram as Python's print(msg, addr) does: b'…' and the address",
      section: 'Transcript',
      async run(c) {
        const { s, peer } = await served(c);
        await answer(s, peer, 'héllo', '"héllo"');
        const line = `b'h\\xc3\\xa9llo' ('127.0.0.1', ${peer.port})`;
        await prints(s.proc, `${line}\n`, `"héllo" from port ${peer.port}`, shown(line));
      },
    },
    {
      name: 'only the letters a-z change: UTF-8 and bytes that are not UTF-8 come back as they were',
      section: 'How it works',
      async run(c) {
        const { s, peer } = await served(c);
        const rule = 'bytes.upper(): only a-z change, every other byte as it was';
        const utf8 = await answer(s, peer, 'héllo', '"héllo"');
        same(utf8.data, 'HéLLO', '"héllo"', `"HéLLO" (${rule})`);
        const invalid = Buffer.from([0xff, 0xfe, 0x61, 0xc3]);
        const got = await answer(s, peer, invalid, 'bytes ff fe 61 c3 (not UTF-8)');
        same(
          got.data,
          Buffer.from([0xff, 0xfe, 0x41, 0xc3]),
          'bytes ff fe 61 c3 (not UTF-8)',
          `bytes ff fe 41 c3 (${rule})`,
        );
      },
    },
    {
      name: 'an empty datagram gets an empty answer',
      section: 'How it works',
      async run(c) {
        const { s, peer } = await served(c);
        const got = await answer(s, peer, Buffer.alloc(0), 'an empty datagram');
        same(got.data, '', 'an empty datagram', 'an empty answer');
      },
    },
    ...big.map(([what, size, letter]) => ({
      name: `${what}: it reads 1024 bytes, says the rest is lost, and goes on`,
      section: 'How it works',
      async run(c: Context) {
        const { s, peer } = await served(c);
        const sent = `${size.toLocaleString('en')} bytes of "${letter}"`;
        const got = await answer(s, peer, letter.repeat(size), sent);
        same(
          got.data,
          letter.toUpperCase().repeat(1024),
          sent,
          `1024 bytes of "${letter.toUpperCase()}" (recvfrom(1024))`,
        );
        await prints(s.proc, `(read 1024 of ${size} bytes: the rest is lost)`, sent);
        const next = await answer(s, peer, 'still there?', `${sent}, then "still there?"`);
        same(next.data, 'STILL THERE?', `${sent}, then "still there?"`);
      },
    })),
    {
      name: 'answers every sender at its own address, two at once',
      section: 'How it works',
      async run(c) {
        const s = await c.serve();
        const [a, b] = await Promise.all([datagrams(c), datagrams(c)]);
        const [one, uno] = await Promise.all([
          answer(s, a, 'one', '"one" from one port, "uno" from another'),
          answer(s, b, 'uno', '"one" from one port, "uno" from another'),
        ]);
        same(
          one.data,
          'ONE',
          '"one", and "uno" from another port',
          '"ONE" to the port that sent "one"',
        );
        same(
          uno.data,
          'UNO',
          '"uno", and "one" from another port',
          '"UNO" to the port that sent "uno"',
        );
      },
    },
    {
      name: 'listens on IPv6 with --host ::1',
      section: 'How it works',
      async run(c) {
        const s = await c.serve({ args: ['--host', '::1'] });
        if (s.host !== '::1')
          throw new Miss(
            '--host ::1',
            '"listening on [::1]:PORT"',
            shown(`listening on ${s.address}`),
          );
        const peer = await datagrams(c, '::1');
        same((await answer(s, peer, 'hi', '"hi" to [::1]')).data, 'HI', '"hi" to [::1]');
        const line = `b'hi' ('::1', ${peer.port}, 0, 0)`;
        await prints(s.proc, line, '"hi" to [::1]', shown(line));
      },
    },
  ],
};

// ---- lesson 04: the client --------------------------------------------------------------------

const upper = (data: Buffer) => [data.toString().toUpperCase()];
const LONG = ['--timeout', '30']; // where an answer is expected: a busy machine never misses it

export const client04: CheckSet = {
  lesson: '04',
  script: '04-udp-client.ts',
  role: 'client',
  checks: [
    {
      name: 'sends each typed line to --port as one datagram, stripped of spaces',
      section: 'How it works',
      async run(c) {
        const peer = await playing(c, upper);
        const proc = c.client(peer, { args: LONG, input: ['  hello  '] });
        const got = await arrives(peer, 1, proc, '--port, and "  hello  " typed', 'a datagram');
        same(got.data, 'hello', '"  hello  " typed', '"hello" (strip())');
      },
    },
    {
      name: 'prints the answer and the address it came from, asks again, ends at end of input',
      section: 'Transcript',
      async run(c) {
        const peer = await playing(c, upper);
        const proc = c.client(peer, { args: LONG, input: ['hello', 'again'] });
        const from = `('127.0.0.1', ${peer.port})`;
        const all = `>>: HELLO ${from}\n>>: AGAIN ${from}\n>>: `;
        await prints(proc, all, '"hello", "again", then the end of input', shown(all, 80));
        await exitsWith(proc, 0, '"hello", "again", then the end of input', 'exit code 0');
      },
    },
    {
      name: 'an empty line is not sent: it asks again',
      section: 'How it works',
      async run(c) {
        const peer = await playing(c, upper);
        const proc = c.client(peer, { args: LONG, input: ['', '   ', 'x'] });
        const sent = 'an empty line, a line of spaces, then "x"';
        same((await arrives(peer, 1, proc, sent, 'a datagram')).data, 'x', sent, 'only "x"');
        await exitsWith(proc, 0, sent, 'exit code 0');
        await settle(peer);
        if (peer.got.length !== 1)
          throw new Miss(sent, 'one datagram, "x"', `${peer.got.length} datagrams`);
      },
    },
    {
      name: 'an answer from another address is printed with that address (no connection in UDP)',
      section: 'How it works',
      async run(c) {
        const stranger = await datagrams(c);
        const peer = await playing(c);
        const proc = c.client(peer, { args: LONG, input: ['hello'] });
        const asked = await arrives(peer, 1, proc, '"hello" typed', 'a datagram');
        stranger.send('from elsewhere', asked.from.port);
        const line = `from elsewhere ('127.0.0.1', ${stranger.port})`;
        await prints(proc, line, `"from elsewhere", from port ${stranger.port}`, shown(line));
      },
    },
    {
      name: 'an answer that is not UTF-8 is printed with �, not a crash',
      section: 'Differences from the Python listing',
      async run(c) {
        const peer = await playing(c, () => [Buffer.from([0xff, 0x4f, 0x4b])]);
        const proc = c.client(peer, { args: LONG, input: ['hello'] });
        const sent = 'the answer ff 4f 4b ("OK" after a byte that is not UTF-8)';
        await prints(
          proc,
          `>>: \uFFFDOK ('127.0.0.1', ${peer.port})`,
          sent,
          '"�OK" and the address',
        );
        await exitsWith(proc, 0, sent, 'exit code 0 at the end of input');
      },
    },
    ...obeysTimeout('hello', upper, (port) => `>>: HELLO ('127.0.0.1', ${port})\n`),
    givesUp('03-udp-server.ts'),
    noServer('one line naming the address ("no answer from 127.0.0.1:PORT …"), exit 1'),
    tooLong(LONG),
  ],
};

// ---- exercises and wrong solutions -------------------------------------------------------------

export const exercises0304: Exercise[] = [
  {
    id: '03-upper',
    lesson: '03',
    script: '03-udp-server.ts',
    title: "bytes.upper(): upper-case a datagram's bytes, as Python does",
    task: [
      'Return a copy of `bytes` in which each ASCII letter a-z is its capital A-Z;',
      'every other byte (digits, UTF-8 sequences, bytes that are not UTF-8) stays as it is.',
      'Work on the bytes: a round trip through a string changes what is not ASCII.',
    ].join('\n'),
    hints: [
      'A Buffer has `map()`, like an array, and it returns a Buffer.',
      "'a' is 0x61 and 'z' is 0x7a; a capital is its small letter minus 0x20.",
      'The lesson\'s "How it works" shows why `toString().toUpperCase()` is wrong for é.',
    ],
    zh: {
      title: 'bytes.upper()：像 Python 那样，把数据报的字节变成大写',
      task: '返回 `bytes` 的一个副本：其中每个 ASCII 字母 a-z 换成它的大写 A-Z，其他每个字节（数字、UTF-8 序列、不是 UTF-8 的字节）保持原样。要直接处理字节：转成字符串再转回来，会改变不是 ASCII 的部分。',
      hints: [
        'Buffer 和数组一样有 `map()`，返回的也是一个 Buffer。',
        "'a' 是 0x61，'z' 是 0x7a；大写字母就是它的小写字母减去 0x20。",
        '本课的“原理”一节说明了为什么对 é 来说 `toString().toUpperCase()` 是错的。',
      ],
    },
  },
  {
    id: '04-timeout',
    lesson: '04',
    script: '04-udp-client.ts',
    title: "the UDP client's timeout: wait for an answer, but not for ever",
    task: [
      'Resolve with the next datagram from `received` (`[data, address]`). Nothing tells a UDP',
      'client that no server is there, so if none comes within `timeout` seconds, exit 1 with',
      'one line: `no answer from HOST:PORT within T s — start 03-udp-server.ts first, or try again`.',
    ].join('\n'),
    hints: [
      '`await received.next()` gives `{ value }`: the value is the datagram and its address.',
      'Start a timer with `setTimeout(() => exit(message, 1), timeout * 1000)` before waiting.',
      'Clear the timer once the datagram has come, or the client dies while you type the next line.',
    ],
    zh: {
      title: 'UDP 客户端的超时：等回答，但不永远等下去',
      task: '返回 `received` 里的下一个数据报（`[data, address]`）。没有任何东西会告诉 UDP 客户端那里没有服务端，所以如果 `timeout` 秒内一个数据报也没来，就以退出码 1 退出，并打印一行：`no answer from HOST:PORT within T s — start 03-udp-server.ts first, or try again`。',
      hints: [
        '`await received.next()` 得到 `{ value }`：value 就是数据报和它的地址。',
        '等待之前先启动一个定时器：`setTimeout(() => exit(message, 1), timeout * 1000)`。',
        '数据报到了就清除这个定时器，否则客户端会在你输入下一行的时候退出。',
      ],
    },
  },
];

export const wrong0304: Wrong[] = [
  {
    lesson: '03',
    what: 'upper-cased as a string (toString().toUpperCase())',
    edits: [['server.send(upper(msg),', 'server.send(msg.toString().toUpperCase(),']],
    fails: 'only the letters a-z change',
    says: /only a-z change/,
  },
  {
    lesson: '03',
    what: 'one datagram answered, then no more (no loop)',
    edits: [
      [
        "for await (const [data, addr] of on(server, 'message') as AsyncIterable<Datagram>) {",
        "{\n    const [data, addr] = (await once(server, 'message')) as Datagram;",
      ],
    ],
    fails: 'oversized datagram',
    says: /"still there\?"; expected an answer; got datagrams: only 1/,
  },
  {
    lesson: '03',
    what: 'a hard-coded port',
    edits: [
      ['const { host, port } = flags(9000);', 'const { host } = flags(9000);\nconst port = 9000;'],
    ],
    fails: 'starts',
    says: /ignores --port|already in use|it listens on 9000/,
  },
  {
    lesson: '04',
    what: 'a UDP client with no timeout',
    edits: [
      [
        'const [backMsg, addr] = await recvfrom(received);',
        'const [backMsg, addr] = (await received.next()).value; // recvfrom(): for ever',
      ],
    ],
    fails: 'never answers',
    says: /still running after/,
  },
  ...waitsInCode('04', '>>: HELLO'),
];
