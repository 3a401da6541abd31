/**
 * Lesson 29 without a Redis: its RESP parser and encoder (imported), and what the room says when
 * what answers at --redis is not a Redis it can use. With a real Redis: test/redis/29.test.ts
 * (`npm run test:redis`).
 */
import test from 'ava';
import './as-library.ts'; // before the script: its functions, without running it
import { encode, replies } from '../scripts/29-chat-room-redis.ts';
import { assertNoStack, failsWithOneLine, freePort, peerServer, start } from './harness.ts';

const ROOM = '29-chat-room-redis.ts';

/** Feed `bytes` to a fresh parser in pieces of `size` bytes; the replies it gave. */
function parsed(bytes: Buffer, size: number) {
  const got: unknown[] = [];
  const feed = replies((reply) => got.push(reply));
  for (let at = 0; at < bytes.length; at += size) feed(bytes.subarray(at, at + size));
  return got;
}

// What SUBSCRIBE and a PUBLISH of `3f9a2c1e <ann> 你好` bring back on the subscribed connection:
// the confirmation, then the message (你好 is 6 bytes, so the bulk string says $21, not $17).
const wire = Buffer.from(
  '*3\r\n$9\r\nsubscribe\r\n$9\r\nchat-room\r\n:1\r\n' +
    '*3\r\n$7\r\nmessage\r\n$9\r\nchat-room\r\n$21\r\n3f9a2c1e <ann> 你好\r\n',
);
const expected = [
  ['subscribe', 'chat-room', 1],
  ['message', 'chat-room', '3f9a2c1e <ann> 你好'],
];

test('RESP: two replies fed one byte at a time, or in one piece, or in any cut, come out the same', (t) => {
  t.deepEqual(parsed(wire, 1), expected, 'one byte at a time: 你好 cut inside its bytes too');
  t.deepEqual(parsed(wire, wire.length), expected, 'both in one read');
  for (const size of [2, 3, 5, 7, 13, 64]) t.deepEqual(parsed(wire, size), expected, `${size}`);
});

test('RESP: the other types: +simple, -error, :integer, $-1 and *-1 (nothing), *0, nested arrays, \\r\\n inside a bulk string', (t) => {
  const got = parsed(
    Buffer.from(
      '+OK\r\n-NOAUTH Authentication required.\r\n:-2\r\n$-1\r\n*-1\r\n*0\r\n' +
        '*2\r\n*1\r\n:1\r\n$4\r\na\r\nb\r\n',
    ),
    1,
  );
  t.is(got[0], 'OK');
  t.true(got[1] instanceof Error);
  t.is((got[1] as Error).message, 'NOAUTH Authentication required.');
  t.deepEqual(got.slice(2), [-2, null, null, [], [[1], 'a\r\nb']]);
});

test('RESP: what is not Redis is refused at its first byte, and a length counted in characters where its \\r\\n should be', (t) => {
  const counted = '$17\r\n3f9a2c1e <ann> 你好\r\n'; // in characters: the bytes after it are no \r\n
  for (const bytes of [
    '* welcome to the room; what is your nickname?\n',
    'HTTP/1.1 400',
    counted,
  ]) {
    const error = t.throws(() => parsed(Buffer.from(bytes), 1), undefined, bytes);
    t.is((error as NodeJS.ErrnoException).code, 'EPROTO', bytes);
  }
});

test('RESP: a command is an array of bulk strings, each counted in bytes', (t) => {
  t.is(
    encode('PUBLISH', 'chat-room', '3f9a2c1e <ann> 你好'),
    '*3\r\n$7\r\nPUBLISH\r\n$9\r\nchat-room\r\n$21\r\n3f9a2c1e <ann> 你好\r\n',
  );
  t.deepEqual(parsed(Buffer.from(encode('a', '', 'line\r\nbreak')), 1), [
    ['a', '', 'line\r\nbreak'],
  ]);
});

test('29 with no Redis at --redis: one line that says to start it, exit 1', async (t) => {
  const at = `127.0.0.1:${await freePort()}`;
  const done = await start(t, ROOM, { args: ['--port', '0', '--redis', at] });
  failsWithOneLine(t, done, new RegExp(`^nothing is listening on ${at} — start redis-server`));
  t.is(done.stdout, '', 'never said it was listening');
});

for (const [what, answer, says] of [
  ['lesson 20 (its greeting)', '* welcome to the room; what is your nickname?\n', /protocol/],
  ['a Redis with a password', '-NOAUTH Authentication required.\r\n', /said: NOAUTH/],
] as const) {
  test(`29 --redis pointing at ${what}: one line saying so, exit 1`, async (t) => {
    const peer = await peerServer(t, (socket) => socket.once('data', () => socket.write(answer)));
    const args = ['--port', '0', '--redis', `127.0.0.1:${peer.port}`];
    failsWithOneLine(t, await start(t, ROOM, { args }), says);
  });
}

test('29 --redis pointing at a server that never answers: gives up after 5 s, one line, exit 1', async (t) => {
  const peer = await peerServer(t, () => {});
  const done = await start(t, ROOM, { args: ['--port', '0', '--redis', `127.0.0.1:${peer.port}`] });
  failsWithOneLine(t, done, /did not answer in 5 s/);
});

test('29 --redis takes HOST:PORT: anything else is a usage error, exit 2', async (t) => {
  for (const value of ['6379', '127.0.0.1:70000']) {
    const done = await start(t, ROOM, { args: ['--redis', value] });
    t.is(done.exitCode, 2, value);
    t.regex(done.stderr, /^--redis takes HOST:PORT, not '.+' — usage: /, value);
    assertNoStack(t, done);
  }
});
