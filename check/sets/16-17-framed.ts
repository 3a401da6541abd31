/**
 * Lessons 16 and 17: the cure for sticky packets, a 4-byte big-endian length before every
 * message. A copy of 16 is checked as the framed chat's server, with the checker as its client;
 * a copy of 17 as its client, with the checker as its server.
 *
 * The checker speaks the framing itself (`frame()` and `unframe()` below), over the wire only:
 * whatever a student changed in their copy, nothing of it is imported. The frames are cut the ways
 * TCP may cut them: many in one write, one split across writes, a byte at a time, a header in
 * pieces; and they carry characters of 2, 3 and 4 bytes, empty messages, a stream cut short, and
 * a length no message may have.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { output, type Proc } from '../../test/harness.ts';
import {
  type Check,
  type CheckSet,
  type Context,
  exitsWith,
  failsInOneLine,
  listen,
  Miss,
  prints,
  readBy,
  shown,
  WAIT_MS,
  type Wrong,
} from '../checks.ts';
import type { Exercise } from '../exercises.ts';
import {
  afterListening,
  type Held,
  holdingClient,
  holdingServer,
  nextTurn,
  receivedEnough,
} from './12-13-sticky-partial.ts';

const PROMPT = '请输入:\n>>>';
const many = (line: string) => Array.from({ length: 50 }, () => line);
const PIECES = '1, 2, 2, 1, 5 and 5 bytes'; // inPieces(), below

export const server16: CheckSet = {
  lesson: '16',
  script: '16-framed-server.ts',
  role: 'server',
  checks: [
    {
      name: 'prints a framed message, then answers in a frame whose length counts bytes',
      section: 'How it works',
      async run(c) {
        const s = await c.serve({ input: ['你好 😀'], open: true });
        const peer = await holdingClient(c, s);
        peer.socket.write(frame('hello'));
        const sent = 'the frame [length 5] "hello"';
        await prints(s.proc, `hello\n${PROMPT}`, sent, `"hello", then the prompt`);
        await answered(peer, frame('你好 😀'), `${sent}, and "你好 😀" typed`);
      },
    },
    readsWhole({
      name: 'two frames in one write are two messages (coalesced)',
      send: (sk) => sk.write(Buffer.concat([frame('hello'), frame('feng')])),
      sent: '[length 5] "hello" [length 4] "feng" in one write',
      messages: ['hello', 'feng'],
      expected: '"hello", then "feng": two frames in one write are two messages',
    }),
    readsWhole({
      name: 'a frame cut anywhere (a header in pieces, a character in pieces) is read whole',
      send: (sk) => dribble(sk, [...inPieces(frame('你好世界')), ...cut(frame('hi'), [2])]),
      sent: `[length 12] "你好世界" in 6 reads (${PIECES}), then [length 2] "hi" in 2`,
      messages: ['你好世界', 'hi'],
      expected: '"你好世界", then "hi": read until the header, then the body, is whole',
    }),
    readsWhole({
      name: 'characters of 2 to 4 bytes: the length counts bytes, not characters',
      send: (sk) => sk.write(Buffer.concat([frame('é 你好 😀'), frame('ok')])),
      sent: '[length 14] "é 你好 😀" [length 2] "ok" in one write',
      messages: ['é 你好 😀', 'ok'],
      expected: '"é 你好 😀" (6 characters, 14 bytes), then "ok": the length counts bytes',
    }),
    {
      name: 'an empty message is a message both ways: a frame of length 0',
      section: 'How it works',
      async run(c) {
        const s = await c.serve({ input: [''], open: true });
        const peer = await holdingClient(c, s);
        peer.socket.write(frame(''));
        const sent = 'the frame [length 0], and an empty line typed';
        await prints(s.proc, `\n${PROMPT}`, sent, 'an empty line, then the prompt');
        const printed = afterListening(s.proc);
        if (printed !== `\n${PROMPT}`)
          throw new Miss(sent, `${shown(`\n${PROMPT}`)}`, `it printed ${shown(printed)}`);
        await answered(peer, frame(''), sent);
      },
    },
    {
      name: 'a frame cut short by the end of the stream: one line on stderr, exit 1',
      section: 'How it works',
      async run(c) {
        const s = await c.serve({ input: many('ok'), open: true });
        const peer = await holdingClient(c, s);
        peer.socket.end(Buffer.concat([frame('hi'), header(10), Buffer.from('abc')]));
        const sent = '[length 2] "hi", then [length 10] "abc" and the end of the stream';
        await prints(s.proc, `hi\n${PROMPT}`, sent, '"hi" (the whole frame before it)');
        await stopsInOneLine(
          s.proc,
          sent,
          '"the client broke off: … 3 of its 10 bytes — that message is lost"',
        );
      },
    },
    {
      name: 'a length over the limit is refused on the header alone: one line, exit 1',
      section: 'How it works',
      async run(c) {
        const s = await c.serve({ input: many('ok'), open: true });
        const peer = await holdingClient(c, s);
        peer.socket.write('hello\n'); // lesson 02's client: "hell" is a length of 1751477356
        const sent = '"hello\\n" (no framing: a length of 1751477356), the connection left open';
        const like = '"refused: a 1751477356-byte message is over …"';
        await stopsInOneLine(s.proc, sent, like, '1751477356');
      },
    },
    {
      name: '--digest: 40 frames written in 60 pieces back to back, counted whole and in order',
      section: 'How it works',
      async run(c) {
        const s = await c.serve({ args: ['--digest'] });
        const peer = await holdingClient(c, s);
        const sent = '40 frames (empty, 2–4-byte characters, up to 3000 bytes) in 60 pieces';
        const { stream, line } = digestOf(mixed(40));
        await dribble(peer.socket, cutAtRandom(stream, 60), false);
        peer.socket.end();
        const expected = `${shown(line, 120)}, then exit 0`;
        await exitsWith(s.proc, 0, `${sent}, then a FIN`, expected);
        const said = afterListening(s.proc);
        if (said !== `${line}\n`) throw new Miss(sent, expected, `it printed ${shown(said, 120)}`);
      },
    },
    {
      name: 'ends with exit 0 when the client sends bye, even if the client stays connected',
      section: 'How it works',
      async run(c) {
        const s = await c.serve({ input: many('ok'), open: true });
        const peer = await holdingClient(c, s);
        peer.socket.write(frame('bye'));
        const sent = '[length 3] "bye", the connection left open';
        await exitsWith(s.proc, 0, sent, 'exit code 0');
        await receivedEnough(peer, () => peer.ended(), sent, 'the server closes the connection');
      },
    },
  ],
};

export const client17: CheckSet = {
  lesson: '17',
  script: '17-framed-client.ts',
  role: 'client',
  checks: [
    {
      name: 'connects to --port and sends the typed line as a frame: its length, then its bytes',
      section: 'How it works',
      async run(c) {
        const server = await listen(c);
        const proc = c.client(server, { input: ['hello'], open: true });
        const peer = await server.next('--port, and "hello" typed', proc);
        await peer.receives('hello', '"hello" typed');
        // Every byte here is below 0x80: the text the checker keeps gives the bytes back exactly.
        const got = Buffer.from(peer.text());
        if (!got.equals(frame('hello')))
          throw new Miss('"hello" typed', 'the frame [length 5] "hello"', unframed(got));
      },
    },
    {
      name: 'characters of 2 to 4 bytes: the length it sends counts bytes, not characters',
      section: 'How it works',
      async run(c) {
        await typedAndSent(c, '你好 😀', ' (4 characters, 11 bytes)');
      },
    },
    {
      name: '--replay: two frames back to back; two answers in one write are printed apart',
      section: 'How it works',
      async run(c) {
        const server = await holdingServer(c);
        const proc = c.client(server, { args: ['--replay'], input: [], open: true });
        const peer = await server.accepted('--replay');
        await sendsFrame(peer, Buffer.concat([frame('hello'), frame('feng')]), '--replay');
        peer.socket.write(Buffer.concat([frame('HELLO'), frame('FENG')]));
        const sent = '[length 5] "HELLO" [length 4] "FENG" in one write';
        const expected = '"HELLO", then "FENG", then the prompt: two frames are two answers';
        await prints(proc, `HELLO\nFENG\n${PROMPT}`, sent, expected);
      },
    },
    {
      name: 'an answer cut anywhere (a header in pieces, a character in pieces) is printed whole',
      section: 'How it works',
      async run(c) {
        const { proc, peer } = await typedAndSent(c, 'hi');
        await dribble(peer.socket, inPieces(frame('你好世界')));
        const sent = `the answer [length 12] "你好世界" in 6 reads (${PIECES})`;
        await prints(proc, `>>>你好世界\n${PROMPT}`, sent, '"你好世界", then the prompt');
      },
    },
    {
      name: 'an empty line is a message both ways: a frame of length 0',
      section: 'How it works',
      async run(c) {
        const { proc, peer } = await typedAndSent(c, '');
        peer.socket.write(frame(''));
        const sent = 'the answer [length 0]';
        await prints(proc, `${PROMPT}\n${PROMPT}`, sent, 'an empty line between two prompts');
      },
    },
    {
      name: 'ends with exit 0 when the server answers bye, even if it stays connected',
      section: 'How it works',
      async run(c) {
        const { proc, peer } = await typedAndSent(c, 'hi');
        peer.socket.write(frame('bye'));
        const sent = 'the answer [length 3] "bye", the connection left open';
        await exitsWith(proc, 0, sent, 'exit code 0');
        await receivedEnough(peer, () => peer.ended(), sent, 'the client closes the connection');
      },
    },
    {
      name: 'an answer with a length over the limit is refused on the header alone: exit 1',
      section: 'How it works',
      async run(c) {
        const { proc, peer } = await typedAndSent(c, 'hi');
        peer.socket.write(header(0xffffffff));
        const sent = 'the header [length 4294967295], the connection left open';
        const like = '"refused: a 4294967295-byte message is over …"';
        await stopsInOneLine(proc, sent, like, '4294967295');
      },
    },
    {
      name: 'an answer cut short by the end of the stream: one line on stderr, exit 1',
      section: 'How it works',
      async run(c) {
        const { proc, peer } = await typedAndSent(c, 'hi');
        peer.socket.end(Buffer.concat([header(5), Buffer.from('h')]));
        const sent = '[length 5] "h", then the end of the stream';
        await stopsInOneLine(proc, sent, '"the server broke off: … 1 of its 5 bytes …"');
      },
    },
    {
      name: '--batch: every line a frame, sent at once, then a FIN; then every answer printed',
      section: 'How it works',
      async run(c) {
        const server = await holdingServer(c);
        const typed = ['hello', '', '你好 😀', 'bye', 'feng'];
        const proc = c.client(server, { args: ['--batch'], input: typed });
        const peer = await server.accepted('--batch');
        const want = Buffer.concat(typed.map((line) => frame(line)));
        const sent = `--batch, and ${typed.map((l) => shown(l)).join(', ')} typed`;
        const expected = `${typed.length} frames, then a FIN`;
        const got = await receivedEnough(peer, () => peer.ended(), sent, expected);
        if (!got.equals(want)) throw new Miss(sent, expected, unframed(got));
        peer.socket.end(Buffer.concat([frame('ok'), frame('你好')]));
        const answers = '[length 2] "ok" [length 6] "你好", then a FIN';
        const printed = '"ok" and "你好", a line each, then exit 0';
        await exitsWith(proc, 0, answers, printed);
        const said = output(proc).stdout;
        if (said !== 'ok\n你好\n') throw new Miss(answers, printed, `it printed ${shown(said)}`);
      },
    },
  ],
};

export const exercises1617: Exercise[] = [
  {
    id: '16-decoder',
    lesson: '16',
    script: '16-framed-server.ts',
    title: 'the length decoder: whole messages from a stream of bytes, however it is cut',
    task: [
      'Yield every message in `chunks`: each is a 4-byte big-endian length, then that many bytes.',
      'A chunk may hold part of a header, several frames, or a frame split anywhere. Refuse a length',
      'over MAX_MESSAGE (ETOOLONG) at once, and fail (ETRUNCATED) if the stream ends inside a frame.',
    ].join('\n'),
    hints: [
      'Keep what arrived between chunks: a 4-byte header being filled, then a body of its length.',
      '`chunk.copy(target, filled, at)` copies as much as fits and returns how much it copied.',
      "Check the length before `Buffer.alloc(size)`; throw `error('ETOOLONG', …)` to refuse it.",
    ],
    zh: {
      title: '长度解码器：不管字节流怎样切开，都得出完整的消息',
      task: '产出 `chunks` 里的每一条消息：每条消息是一个 4 字节、大端序的长度，后面跟着那么多字节。一块数据可能装着头部的一部分、几个帧，或者一个在任何地方被切开的帧。长度超过 MAX_MESSAGE 时立刻拒绝（ETOOLONG），流在帧的中间结束时报错（ETRUNCATED）。',
      hints: [
        '在两块数据之间保存已经到达的部分：先是正在填满的 4 字节头部，然后是那个长度的消息体。',
        '`chunk.copy(target, filled, at)` 复制能放下的部分，并返回复制了多少。',
        "在 `Buffer.alloc(size)` 之前检查长度；抛出 `error('ETOOLONG', …)` 来拒绝它。",
      ],
    },
  },
  {
    id: '17-encode',
    lesson: '17',
    script: '17-framed-client.ts',
    title: 'the frame encoder: the length in bytes, then the bytes',
    task: [
      'Return the frame of `message`: its length in 4 bytes, big-endian, then its UTF-8 bytes.',
      "Refuse a message over MAX_MESSAGE bytes with error('EMSGSIZE', …) before sending anything.",
    ].join('\n'),
    hints: [
      "`Buffer.from(message, 'utf8')` gives the bytes; count those, not `message.length`.",
      '`header.writeUInt32BE(n)` is Python\'s `struct.pack(">I", n)`.',
    ],
    zh: {
      title: '帧编码器：先是按字节算的长度，然后是这些字节',
      task: "返回 `message` 的帧：它的长度占 4 个字节，大端序，然后是它的 UTF-8 字节。超过 MAX_MESSAGE 字节的消息，在发送任何东西之前用 error('EMSGSIZE', …) 拒绝。",
      hints: [
        "`Buffer.from(message, 'utf8')` 给出字节；数这些字节，而不是 `message.length`。",
        '`header.writeUInt32BE(n)` 就是 Python 的 `struct.pack(">I", n)`。',
      ],
    },
  },
  {
    id: '17-batch',
    lesson: '17',
    script: '17-framed-client.ts',
    title: '--batch: send every line as a frame without waiting, then read every answer',
    task: [
      'Send each input line (`lines`) as a frame as fast as the socket takes them: when `write()`',
      "returns false, wait for 'drain'. Then half-close (`end()`) and print every answer that comes.",
    ].join('\n'),
    hints: [
      '`for await (const line of lines)` reads the input to its end.',
      '`sk.end()` sends a FIN: the server knows no more is coming, and can still answer.',
      '`received` gives the answers, one whole message each, until the server closes.',
    ],
    zh: {
      title: '--batch：不等回答，把每一行作为一个帧发出，再读所有回答',
      task: "把输入的每一行（`lines`）作为一个帧，以套接字能接受的最快速度发出：`write()` 返回 false 时，等 'drain'。然后半关闭（`end()`），打印到来的每一个回答。",
      hints: [
        '`for await (const line of lines)` 把输入读到结束。',
        '`sk.end()` 发出一个 FIN：服务端知道不会再有数据来了，而且仍然可以回答。',
        '`received` 给出回答，每次一条完整的消息，直到服务端关闭。',
      ],
    },
  },
];

export const wrong1617: Wrong[] = [
  {
    lesson: '16',
    what: 'one data event taken for one message',
    edits: [
      [
        'export async function* messages(chunks: AsyncIterable<Buffer> | Iterable<Buffer>) {',
        [
          'export async function* messages(chunks: AsyncIterable<Buffer> | Iterable<Buffer>) {',
          '  for await (const chunk of chunks) yield chunk.subarray(4, 4 + chunk.readUInt32BE(0));',
          '}',
          'async function* unused(chunks: AsyncIterable<Buffer> | Iterable<Buffer>) {',
        ].join('\n'),
      ],
    ],
    fails: 'two frames in one write',
    says: /two frames in one write are two messages/,
  },
  {
    lesson: '16',
    what: 'a length prefix read as characters instead of bytes',
    edits: [
      [
        'export async function* messages(chunks: AsyncIterable<Buffer> | Iterable<Buffer>) {',
        [
          'export async function* messages(chunks: AsyncIterable<Buffer> | Iterable<Buffer>) {',
          '  const decoder = new TextDecoder();',
          "  let text = '';",
          '  for await (const chunk of chunks) {',
          '    text += decoder.decode(chunk, { stream: true });',
          '    while (text.length >= 4) {',
          '      const size = Buffer.from(text.slice(0, 4)).readUInt32BE(0);',
          '      if (text.length < 4 + size) break;',
          '      yield Buffer.from(text.slice(4, 4 + size));',
          '      text = text.slice(4 + size);',
          '    }',
          '  }',
          '}',
          'async function* unused(chunks: AsyncIterable<Buffer> | Iterable<Buffer>) {',
        ].join('\n'),
      ],
    ],
    fails: 'characters of 2 to 4 bytes',
    says: /the length counts bytes/,
  },
  {
    lesson: '16',
    what: 'a frame cut short by the end of the stream taken for a clean end',
    edits: [['if (body || filled > 0) {', 'if (filled < 0) {']],
    fails: 'cut short',
    says: /broke off.*got exit code 0/,
  },
  {
    lesson: '17',
    what: 'one data event taken for one message',
    edits: [
      [
        'async function* messages(chunks: AsyncIterable<Buffer> | Iterable<Buffer>) {',
        [
          'async function* messages(chunks: AsyncIterable<Buffer> | Iterable<Buffer>) {',
          '  for await (const chunk of chunks) yield chunk.subarray(4, 4 + chunk.readUInt32BE(0));',
          '}',
          'async function* unused(chunks: AsyncIterable<Buffer> | Iterable<Buffer>) {',
        ].join('\n'),
      ],
    ],
    fails: '--replay',
    says: /two frames are two answers/,
  },
  {
    lesson: '17',
    what: 'a length prefix written as characters instead of bytes',
    edits: [['header.writeUInt32BE(body.length);', 'header.writeUInt32BE(message.length);']],
    fails: 'counts bytes, not characters',
    says: /\[length 11\].*got \[length 5\]/,
  },
];

// ---- the framing, as the checker speaks it -------------------------------------------------------

/** A 4-byte big-endian length. */
function header(size: number) {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(size);
  return bytes;
}

/** One message as a frame: its length in bytes, then its UTF-8 bytes. */
function frame(message: string | Buffer) {
  const body = Buffer.from(message);
  return Buffer.concat([header(body.length), body]);
}

/** Bytes as the frames they hold, for a line: `[length 5] "hello" [length 3] "fe"…`. */
function unframed(bytes: Buffer): string {
  if (!bytes.length) return 'nothing';
  const parts: string[] = [];
  let at = 0;
  while (at + 4 <= bytes.length && parts.length < 6) {
    const size = bytes.readUInt32BE(at);
    const body = bytes.subarray(at + 4, at + 4 + size);
    parts.push(`[length ${size}] ${shown(body, 30)}${body.length < size ? ' (cut short)' : ''}`);
    at += 4 + size;
  }
  if (at < bytes.length && parts.length < 6)
    parts.push(`${bytes.length - at} bytes: ${shown(bytes.subarray(at), 30)}`);
  return parts.join(' ');
}

/** `bytes` cut at these offsets. */
function cut(bytes: Buffer, at: number[]) {
  return [0, ...at].map((from, i) => bytes.subarray(from, at[i] ?? bytes.length));
}

/** A frame of 4 characters of 3 bytes cut where it hurts: 1 + 2 + 2 bytes of header (the last
 * with the first byte of 你), the rest of 你 a byte at a time, a cut inside 世 (see PIECES). */
function inPieces(bytes: Buffer) {
  return cut(bytes, [1, 3, 5, 6, 11]);
}

/**
 * Write `pieces` one at a time, Nagle off. Watched, each once the program has read the one
 * before: its kernel's receive queue for the connection is empty again (Linux's /proc/net/tcp),
 * so every piece reaches the program as a read of its own. Unwatched (many pieces: reading
 * /proc/net/tcp takes milliseconds), not Linux, or once WAIT_MS have gone by (a program that
 * stops reading, a machine too busy), a turn of the event loop apart: they may arrive together.
 */
async function dribble(socket: Socket, pieces: Buffer[], watched = true) {
  socket.setNoDelay(true);
  const until = performance.now() + WAIT_MS; // the check's other waits keep theirs
  let watch = watched && existsSync('/proc/net/tcp');
  for (const piece of pieces) {
    if (socket.destroyed) return; // the program gave up: what it printed says why
    socket.write(piece);
    if (watch) watch = await readBy(socket, until);
    else await nextTurn();
  }
}

/** A seeded generator: every run sends the same messages, cut in the same places. */
function random(seed: number) {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
}

/** `count` messages: empty ones, ASCII, and characters of 2, 3 and 4 bytes, up to 3000 bytes. */
function mixed(count: number): Buffer[] {
  const next = random(16);
  const pieces = ['', 'a', 'hello ', 'é', '你好', '😀', 'feng ', '·'];
  return Array.from({ length: count }, (_, i) => {
    if (i % 7 === 0) return Buffer.alloc(0);
    const words = Array.from({ length: Math.floor(next() * 400) }, () => {
      return pieces[Math.floor(next() * pieces.length)];
    });
    return Buffer.from(words.join(''));
  });
}

/** The frames of `messages` as one stream, and the line 16 --digest prints for them. */
function digestOf(messages: Buffer[]) {
  const hash = createHash('sha256');
  for (const m of messages) hash.update(m).update('\n');
  const bytes = messages.reduce((sum, m) => sum + m.length, 0);
  return {
    stream: Buffer.concat(messages.map((m) => frame(m))),
    line: `received ${messages.length} messages, ${bytes} bytes, sha256 ${hash.digest('hex')}`,
  };
}

/** `bytes` cut into `pieces` at seeded random places (some a byte long, some inside a header). */
function cutAtRandom(bytes: Buffer, pieces: number): Buffer[] {
  const next = random(17);
  const at = Array.from({ length: pieces - 1 }, () => Math.floor(next() * bytes.length));
  const points = [...new Set([0, ...at, bytes.length])].sort((a, b) => a - b);
  return points.slice(1).map((end, i) => bytes.subarray(points[i], end));
}

/** A check of 16: frames sent as `send` sends them are printed as these messages, in turn. */
function readsWhole(o: {
  name: string;
  send: (sk: Socket) => unknown;
  sent: string;
  messages: string[];
  expected: string;
}): Check {
  return {
    name: o.name,
    section: 'How it works',
    async run(c) {
      const s = await c.serve({ input: many('ok'), open: true });
      const peer = await holdingClient(c, s);
      await o.send(peer.socket);
      await printsAll(s.proc, o.messages, o.sent, o.expected);
    },
  };
}

// ---- waits ---------------------------------------------------------------------------------------

/** The server printed each message in turn, each followed by its prompt. */
async function printsAll(proc: Proc, messages: string[], sent: string, expected: string) {
  await prints(proc, messages.map((m) => `${m}\n${PROMPT}`).join(''), sent, expected);
}

/** The peer received exactly `want` (a frame or frames) from the program. */
async function answered(peer: Held, want: Buffer, sent: string) {
  const expected = `the frame ${unframed(want)}`;
  const got = await receivedEnough(peer, (b) => b.length >= want.length, sent, expected);
  if (!got.equals(want)) throw new Miss(sent, expected, unframed(got));
}

/** A client sent exactly these frames (the same wait as a server's answer). */
const sendsFrame = answered;

/** 17 started with `typed` as its one line of input (stdin left open), and that line received
 * from it as a frame. */
async function typedAndSent(c: Context, typed: string, note = '') {
  const server = await holdingServer(c);
  const proc = c.client(server, { input: [typed], open: true });
  const sent = `${typed ? shown(typed) : 'an empty line'} typed${note}`;
  const peer = await server.accepted(sent);
  await sendsFrame(peer, frame(typed), sent);
  return { proc, peer };
}

/** A program that must stop with one line on stderr (naming `names`, if given), exit 1. */
async function stopsInOneLine(proc: Proc, sent: string, like: string, names = '') {
  const naming = names ? `, naming ${names}` : '';
  const expected = `one line on stderr, like ${like}, and exit code 1${naming}`;
  await failsInOneLine(proc, sent, expected, new RegExp(names || '.')); // names: digits
}
