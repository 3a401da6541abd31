import { createHash } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import './as-library.ts'; // before the script: its functions, without running it
import { encode } from '../scripts/16-framed-server.ts';
import {
  assertNoStack,
  client,
  dial,
  peerServer,
  printedSoFar,
  read,
  type Server,
  scriptPath,
  server,
  start,
  usagePrefix,
  write,
} from './harness.ts';
import { checkTranscript } from './transcript.ts';

const SERVER = '16-framed-server.ts';
const CLIENT = '17-framed-client.ts';

test('lesson 16 transcript: the framed chat, in lock-step until the server answers bye', (t) =>
  checkTranscript(t, '16-framed-server', [
    ['hi', 'bye'],
    ['hello', '你好'],
  ]));

test('lesson 17 transcript: --replay sends hello and feng back to back; they arrive apart', (t) =>
  checkTranscript(t, '17-framed-client', [['first', 'bye']]));

test('an empty line is a message too, both ways; the client ends the chat with bye', async (t) => {
  const s = await server(t, SERVER, { input: [''] });
  const c = await client(t, CLIENT, s, { input: ['', 'bye'] });
  t.is(c.exitCode, 0);
  t.is(c.stdout, '请输入:\n>>>\n请输入:\n>>>(the server closed the connection)');
  const done = await s.proc;
  t.is(done.exitCode, 0);
  t.is(done.stdout, `listening on 127.0.0.1:${s.port}\n\n请输入:\n>>>`);
});

test('over IPv6: --host ::1 on both sides', async (t) => {
  const s = await server(t, SERVER, { args: ['--host', '::1'], input: ['bye'] });
  t.is(s.address, `[::1]:${s.port}`);
  const c = await client(t, CLIENT, s, { args: ['--host', '::1'], input: ['hi'] });
  t.is(c.exitCode, 0);
  t.is(
    (await s.proc).stdout,
    `listening on [::1]:${s.port}\nhi\n请输入:\n>>>(the client closed the connection)`,
  );
});

test('--batch sends every line at once; --digest counts them and prints their SHA-256', async (t) => {
  const lines = ['hello', '', '你好', 'bye', 'feng'];
  const file = lines.map((l) => `${l}\n`).join('');
  const s = await server(t, SERVER, { args: ['--digest'] });
  const c = await client(t, CLIENT, s, { args: ['--batch'], input: lines });
  t.is(c.exitCode, 0);
  t.is(c.stdout, '');
  const done = await s.proc;
  t.is(done.exitCode, 0);
  const sha256 = createHash('sha256').update(file).digest('hex'); // what sha256sum says of the file
  t.is(
    done.stdout,
    `listening on 127.0.0.1:${s.port}\nreceived 5 messages, ${Buffer.byteLength(file) - 5} bytes, sha256 ${sha256}`,
  );
});

/**
 * Messages cut from a pool of random text: mostly ASCII, and one in a hundred with characters of
 * 2, 3 and 4 bytes, never a newline (so the digest, taken over the messages as lines, also pins
 * down where each message ends). A seeded generator makes every run send the same messages.
 */
function* randomMessages(count: number, maxBytes: number) {
  let seed = 2024;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const letters = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?';
  const text = Array.from({ length: 2 * maxBytes }, () => letters[Math.floor(random() * 70)]);
  const pool = Buffer.from(text.join(''));
  for (let i = 0; i < count; i++) {
    const size = Math.floor(random() * (maxBytes + 1));
    const from = Math.floor(random() * (pool.length - size));
    if (i % 100 === 7) yield Buffer.from(`${i}: é 你好 😀 ${'·'.repeat(size % 1000)}`);
    else yield pool.subarray(from, from + size);
  }
}

// The sender here is the test itself, with the encoder exported by 16, over a real socket: the
// test then knows every byte it sent and digests them on its own, and no keyboard-reading layer
// sits in between. 17's own --batch path is tested below. How fast is `npm run bench`'s question.
test('end to end: 1,000 messages of 0 to 64 KiB reach 16 --digest whole and in order', async (t) => {
  const s = await server(t, SERVER, { args: ['--digest'] });
  const sock = await dial(t, s);
  const expected = createHash('sha256');
  let bytes = 0;
  for (const message of randomMessages(1000, 64 * 1024)) {
    expected.update(message).update('\n');
    bytes += message.length;
    await write(sock, encode(message), () => `16 ${printedSoFar(s.proc)}`);
  }
  sock.end();
  const done = await s.proc;
  t.is(done.exitCode, 0, done.stderr);
  const digest = expected.digest('hex');
  t.is(done.stdout.split('\n')[1], `received 1000 messages, ${bytes} bytes, sha256 ${digest}`);
});

test('17 --batch sends 100 lines of up to 64 KiB, every one whole and in order', async (t) => {
  const s = await server(t, SERVER, { args: ['--digest'] });
  const c = client(t, CLIENT, s, { args: ['--batch'] }); // stdin left open: fed below
  const expected = createHash('sha256');
  let bytes = 0;
  for (const message of randomMessages(100, 64 * 1024)) {
    expected.update(message).update('\n');
    bytes += message.length;
    await write(
      c.stdin,
      Buffer.concat([message, Buffer.from('\n')]),
      () => `17 ${printedSoFar(c)}`,
    );
  }
  c.stdin.end();
  const [sent, done] = await Promise.all([c, s.proc]);
  t.is(sent.exitCode, 0, sent.stderr);
  const digest = expected.digest('hex');
  t.is(done.stdout.split('\n')[1], `received 100 messages, ${bytes} bytes, sha256 ${digest}`);
});

/** Send raw bytes to a 16 server, then close: how a broken or foreign client looks to it. */
async function rawClient(t: ExecutionContext, s: Server, ...chunks: Buffer[]) {
  const peer = await dial(t, s); // the server may reset the connection as it exits: dial() keeps it
  for (const chunk of chunks) peer.write(chunk);
  peer.end();
}

test('a client that does not speak the framing is refused in one line, exit 1', async (t) => {
  const s = await server(t, SERVER);
  await rawClient(t, s, Buffer.from('hello\n')); // what lesson 02's client would send
  const done = await s.proc;
  t.is(done.exitCode, 1);
  t.is(
    done.stderr,
    'refused: a 1751477356-byte message is over the 1048576-byte limit — is the client speaking this framing?',
  );
  assertNoStack(t, done);
});

test('a frame cut short by the end of the stream is reported, not dropped, exit 1', async (t) => {
  const s = await server(t, SERVER, { input: ['ok'] });
  const whole = Buffer.from([0, 0, 0, 2, 0x68, 0x69]); // "hi"
  await rawClient(t, s, whole, Buffer.from([0, 0, 0, 10]), Buffer.from('abc'));
  const done = await s.proc;
  t.is(done.exitCode, 1);
  t.is(done.stdout, `listening on 127.0.0.1:${s.port}\nhi\n请输入:\n>>>`);
  t.is(
    done.stderr,
    'the client broke off: the stream ended inside a message: 3 of its 10 bytes — that message is lost',
  );
  assertNoStack(t, done);
});

/** A one-shot server in the test that answers the first bytes it gets with `answer`. */
const rawServer = (t: Parameters<typeof server>[0], answer: Buffer) =>
  peerServer(t, (sock) => sock.once('data', () => sock.end(answer)));

test('the client too refuses an oversized header and reports a cut frame, exit 1', async (t) => {
  const big = await rawServer(t, Buffer.from([0xff, 0xff, 0xff, 0xff]));
  const refused = await client(t, CLIENT, big, { input: ['hi'] });
  t.is(refused.exitCode, 1);
  t.is(
    refused.stderr,
    'refused: a 4294967295-byte message is over the 1048576-byte limit — is the server speaking this framing?',
  );
  const cutShort = await rawServer(t, Buffer.from([0, 0, 0, 5, 0x68]));
  const broken = await client(t, CLIENT, cutShort, { input: ['hi'] });
  t.is(broken.exitCode, 1);
  t.is(
    broken.stderr,
    'the server broke off: the stream ended inside a message: 1 of its 5 bytes — that message is lost',
  );
  assertNoStack(t, refused);
  assertNoStack(t, broken);
});

test('17 --batch refuses a line over 1 MiB before sending it, exit 1', async (t) => {
  const s = await server(t, SERVER, { args: ['--digest'] });
  const c = await client(t, CLIENT, s, {
    args: ['--batch'],
    input: ['ok', 'x'.repeat(1024 * 1024 + 1)],
  });
  t.is(c.exitCode, 1);
  t.is(
    c.stderr,
    'cannot send a 1048577-byte message: the limit is 1048576 — split it into shorter lines',
  );
  assertNoStack(t, c);
  t.regex((await s.proc).stdout, /\nreceived 1 messages, 2 bytes, sha256 /);
});

test('lesson 02 client typing hello at the framed server: hell is read as a length, refused', async (t) => {
  const s = await server(t, SERVER);
  await client(t, '02-tcp-client.ts', s, { input: ['hello'] });
  const done = await s.proc;
  t.is(done.exitCode, 1);
  t.is(
    done.stderr,
    'refused: a 1751477356-byte message is over the 1048576-byte limit — is the client speaking this framing?',
  );
});

test('usage: bad flags exit 2 with one line; --help names every flag', async (t) => {
  const both = await start(t, CLIENT, { args: ['--replay', '--batch'] });
  t.is(both.exitCode, 2);
  t.regex(both.stderr, /^--replay and --batch do not go together — usage: /);
  const port = await start(t, SERVER, { args: ['--port', 'x'] });
  t.is(port.exitCode, 2);
  t.regex(port.stderr, /^--port takes a number from 0 to 65535, not 'x' — usage: /);
  const help = await start(t, SERVER, { args: ['--help'] });
  t.is(
    help.stdout,
    `${usagePrefix(scriptPath(SERVER))}[--host 127.0.0.1] [--port 8081] [--digest]`,
  );
  const clientHelp = await start(t, CLIENT, { args: ['--help'] });
  t.is(
    clientHelp.stdout,
    `${usagePrefix(scriptPath(CLIENT))}[--host 127.0.0.1] [--port 8081] [--replay | --batch]`,
  );
});

test("the client's decoder is the server's, line for line (comments aside)", (t) => {
  const body = (file: string) => {
    const source = read(`scripts/${file}`);
    const from = source.indexOf('async function* messages(');
    return source
      .slice(from, source.indexOf('\n}\n', from))
      .split('\n')
      .filter((line) => !/^ *\/\//.test(line)) // a line that is only a comment: an exercise's marker
      .map((line) => line.replace(/ *\/\/.*$/, ''))
      .join('\n')
      .replace(/^export /, '');
  };
  t.is(body(CLIENT), body(SERVER));
});
