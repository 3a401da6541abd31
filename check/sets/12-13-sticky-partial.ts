/**
 * Lessons 12 and 13: sticky packets, case 2 (a read takes less than was sent). A copy of 12 is
 * checked as a server that reads 2 bytes, then 10, with the checker as its client; a copy of 13
 * as a client that sends `hello feng` once, with the checker as its server.
 *
 * The helpers below the sets serve 14 and 15 too: a server that reads twice and prints two
 * `-----> ` lines, and a client that sends and leaves.
 */
import type { Socket } from 'node:net';
import { dial, output, type Proc, peerServer, type Server } from '../../test/harness.ts';
import {
  type Check,
  type CheckSet,
  type Context,
  connectTo,
  exitsWith,
  failsInOneLine,
  listen,
  Miss,
  prints,
  shown,
  type Wrong,
  waitUntil,
} from '../checks.ts';
import type { Exercise } from '../exercises.ts';
import { nothingListening } from './01-02-tcp-chat.ts';

export const server12: CheckSet = {
  lesson: '12',
  script: '12-sticky-recv-partial-server.ts',
  role: 'server',
  checks: [
    twoReads({
      name: 'reads one send of 10 bytes in two pieces: "he", then "llo feng"',
      section: 'How it works',
      send: (sk) => sk.end('hello feng'),
      sent: '"hello feng" in one send',
      lines: ['he', 'llo feng'],
      why: 'recv(2) takes 2 bytes; the rest waits for the next read',
    }),
    twoReads({
      name: 'a read takes at most its size: the second stops at 10 bytes',
      section: 'How it works',
      send: (sk) => sk.end('hello feng, and more'),
      sent: '"hello feng, and more" (20 bytes) in one send',
      lines: ['he', 'llo feng, '],
      why: 'recv(10) takes 10 of the 18 bytes left; the rest are never read',
    }),
    twoReads({
      name: 'a read takes what is there, even less than its size, and the end gives ""',
      section: 'How it works',
      send: (sk) => sk.end('h'),
      sent: '"h", then the end of the stream',
      lines: ['h', ''],
      why: 'recv(2) gives the 1 byte there is; the next gives b"" at the end',
    }),
    twoReads({
      name: 'a character cut by the 2-byte read comes out whole in the second',
      section: 'Differences from the Python listing',
      send: (sk) => sk.end('你好世界'),
      sent: '"你好世界" (12 bytes) in one send',
      lines: ['', '你好世界'],
      why: '2 bytes are only part of 你: decode the stream, not each read (StringDecoder)',
    }),
    twoReads({
      name: 'a client that sends nothing: both reads give the end of the stream, empty',
      section: 'How it works',
      send: (sk) => sk.end(),
      sent: 'nothing, then the end of the stream',
      lines: ['', ''],
      why: 'at the end of the stream every read gives b""',
    }),
    resetWhileReading('the client reset the connection'),
    twoReads({
      name: 'listens on IPv6 with --host ::1',
      section: 'Run it',
      host: '::1',
      send: (sk) => sk.end('hello feng'),
      sent: '--host ::1, then "hello feng" to [::1]',
      lines: ['he', 'llo feng'],
      why: 'the same two reads over IPv6',
    }),
  ],
};

export const client13: CheckSet = {
  lesson: '13',
  script: '13-sticky-recv-partial-client.ts',
  role: 'client',
  checks: [
    sendsAndLeaves('hello feng', '"hello feng" in one send'),
    leavesAnOpenConnection('hello feng'),
    nothingListening(),
    overIPv6('hello feng'),
    badPort(),
  ],
};

export const exercises1213: Exercise[] = [
  {
    id: '12-recv',
    lesson: '12',
    script: '12-sticky-recv-partial-server.ts',
    title: "Python's recv(n) on a Node socket: up to n bytes of what is already there",
    task: [
      'Return at most `n` bytes, taken from what `sock` has buffered: wait only while nothing is',
      "buffered and the stream has not ended; at the end, return an empty Buffer (Python's b'').",
    ].join('\n'),
    hints: [
      '`sock.readableLength` is how many bytes are buffered; `sock.readableEnded` says the end was read.',
      '`sock.read(size)` gives null unless `size` bytes are buffered: never ask for more than there are.',
      "With nothing buffered, `sock.read(0)` asks for more; then wait for 'readable' or 'end' (`once`).",
    ],
    zh: {
      title: 'Node 套接字上的 Python recv(n)：已经到达的数据里至多 n 个字节',
      task: "从 `sock` 已经缓冲的数据里取出至多 `n` 个字节返回：只在什么都没缓冲、流也还没结束时等待；流结束时，返回一个空 Buffer（Python 的 b''）。",
      hints: [
        '`sock.readableLength` 是缓冲了多少字节；`sock.readableEnded` 表示已经读到了结束。',
        '除非缓冲了 `size` 个字节，否则 `sock.read(size)` 返回 null：请求的字节数绝不要超过已有的。',
        "什么都没缓冲时，`sock.read(0)` 要求读入更多；然后等 'readable' 或 'end'（`once`）。",
      ],
    },
  },
];

export const wrong1213: Wrong[] = [
  {
    lesson: '12',
    what: 'a recv(n) that waits until it has all n bytes',
    edits: [['while (sock.readableLength === 0 &&', 'while (sock.readableLength < n &&']],
    fails: 'a read takes what is there',
    says: /"-----> h\\n-----> \\n".*recv\(2\) gives the 1 byte there is/,
  },
  {
    lesson: '12',
    what: 'one data event taken for one read',
    edits: [['const data1 = await recv(conn, 2);', "const [data1] = await once(conn, 'data');"]],
    fails: 'in two pieces',
    says: /"-----> he\\n-----> llo feng\\n"/,
  },
  {
    lesson: '13',
    what: 'end() instead of destroySoon(): it half-closes and waits for the server to close first',
    edits: [['sk.destroySoon();', 'sk.end();']],
    fails: 'leaves',
    says: /still running/,
  },
];

// ---- helpers, for 14 and 15 too ---------------------------------------------------------------

/** A server that reads twice from one client, prints each read as a `-----> ` line, and ends. */
export function twoReads(o: {
  name: string;
  section: string;
  send: (sk: Socket) => unknown;
  sent: string;
  lines: [string, string];
  why: string;
  args?: string[];
  host?: string;
}): Check {
  return {
    name: o.name,
    section: o.section,
    async run(c) {
      const s = await c.serve({ args: [...(o.args ?? []), ...(o.host ? ['--host', o.host] : [])] });
      if (o.host && s.host !== o.host)
        throw new Miss(`--host ${o.host}`, `"listening on [${o.host}]:PORT"`, shown(s.address));
      const peer = await connectTo(c, s, o.host);
      await o.send(peer.socket);
      const want = `-----> ${o.lines[0]}\n-----> ${o.lines[1]}\n`;
      const expected = `${shown(want)} (${o.why})`;
      await prints(s.proc, want, o.sent, expected);
      await exitsWith(s.proc, 0, o.sent, 'exit code 0 once it has read twice');
      const got = afterListening(s.proc);
      if (got !== want) throw new Miss(o.sent, `only ${expected}`, `it printed ${shown(got, 80)}`);
      await peer.closed(o.sent, 'the server closes the connection once it has read twice');
    },
  };
}

/** What a server printed after its `listening on` line. */
export const afterListening = (proc: Proc) => output(proc).stdout.replace(/^listening on .*\n/, '');

/** A client that resets while the server waits in its first read: one line, exit 1. */
export function resetWhileReading(says: string): Check {
  return {
    name: 'a client that resets before sending: one line on stderr, exit 1, no stack trace',
    section: 'How it works',
    async run(c) {
      const s = await c.serve();
      const peer = await connectTo(c, s);
      peer.socket.resetAndDestroy();
      const sent = 'a connection, then a reset (RST)';
      const expected = `exit code 1 and one line, like "${says} — it is gone"`;
      await failsInOneLine(s.proc, sent, expected, /./);
    },
  };
}

/** The first check of a client that connects, sends `text` and closes. */
export function sendsAndLeaves(text: string, how: string): Check {
  return {
    name: `connects to --port, sends ${shown(text)}, then closes`,
    section: 'How it works',
    async run(c) {
      const server = await listen(c);
      const proc = c.client(server);
      const peer = await server.next('--port', proc);
      await peer.closed('nothing back', `${how}, then the connection closed`);
      if (peer.text() !== text)
        throw new Miss('nothing back', `exactly ${shown(text)}`, `it sent ${shown(peer.text())}`);
    },
  };
}

/** A client that sends and leaves must not wait for the server to close first. */
export function leavesAnOpenConnection(text: string): Check {
  return {
    name: 'leaves at once, exit 0, printing nothing, though the server keeps its side open',
    section: 'How it works',
    async run(c) {
      const server = await holdingServer(c);
      const proc = c.client(server);
      const sent = 'nothing back, and the connection held open';
      await exitsWith(proc, 0, sent, 'exit code 0 (destroySoon: a FIN, then let go)');
      const held = await server.accepted(sent);
      const expected = `${shown(text)}, then a FIN`;
      const got = await receivedEnough(held, () => held.ended(), sent, expected);
      if (got.toString() !== text) throw new Miss(sent, expected, `it sent ${shown(got)}`);
      const said = output(proc).stdout;
      if (said) throw new Miss(sent, 'nothing on stdout', `it printed ${shown(said)}`);
    },
  };
}

export function overIPv6(text: string): Check {
  return {
    name: 'connects over IPv6 with --host ::1',
    section: 'Run it',
    async run(c) {
      const server = await listen(c, '::1');
      const proc = c.client(server, { args: ['--host', '::1'] });
      const peer = await server.next('--host ::1', proc);
      await peer.receives(text, '--host ::1');
    },
  };
}

export function badPort(): Check {
  return {
    name: 'a bad --port: one usage line on stderr, exit 2',
    section: 'Run it',
    async run(c) {
      const proc = c.start({ args: ['--port', 'abc'] });
      const sent = '--port abc';
      const expected = 'exit code 2 and one line, "--port takes a number … — usage: …"';
      await failsInOneLine(proc, sent, expected, /usage: /, 2);
    },
  };
}

/** Wait for the next turn of the event loop: writes on either side of it leave as two sends. */
export const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** One end of a connection the checker holds open whatever the other side does (the harness's
 * `hold`: Node does not answer a FIN with its own): every byte it received, and whether a FIN came. */
export interface Held {
  socket: Socket;
  bytes(): Buffer;
  ended(): boolean;
}

function hold(c: Context, socket: Socket): Held {
  const chunks: Buffer[] = [];
  let ended = false;
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('end', () => {
    ended = true;
  });
  c.teardown(() => socket.destroy());
  return { socket, bytes: () => Buffer.concat(chunks), ended: () => ended };
}

/** A server played by the checker that never closes a connection first; `accepted()` is the
 * first connection, or a Miss if none comes. */
export async function holdingServer(c: Context, host = '127.0.0.1') {
  const conns: Held[] = [];
  const at = await peerServer(c, (socket) => conns.push(hold(c, socket)), host, { hold: true });
  return {
    port: at.port,
    async accepted(sent: string): Promise<Held> {
      await waitUntil(
        () => conns.length > 0,
        () => new Miss(sent, 'a connection', 'none came'),
      );
      return conns[0] as Held;
    },
  };
}

/** A client played by the checker that never closes its side first. */
export async function holdingClient(c: Context, s: Server): Promise<Held> {
  const socket = await dial(c, s, '127.0.0.1', { hold: true }).catch(
    (err: NodeJS.ErrnoException) => {
      throw new Miss(`a connection to ${s.address}`, 'it accepts it', `${err.code ?? err.message}`);
    },
  );
  return hold(c, socket);
}

/** Wait until `held` has received what `enough` accepts, or a Miss saying what came. */
export async function receivedEnough(
  held: Held,
  enough: (bytes: Buffer) => boolean,
  sent: string,
  expected: string,
) {
  await waitUntil(
    () => enough(held.bytes()),
    () => {
      const got = held.bytes();
      const came = got.length ? `it sent ${shown(got, 80)}` : 'it sent nothing';
      return new Miss(sent, expected, `${came}${held.ended() ? ' and closed' : ''}`);
    },
  );
  return held.bytes();
}
