/**
 * Every script that ends a conversation on its own ends promptly, whatever its peer then does
 * with its socket. The tutorial's own client, after its user types `bye`, reads the server's
 * empty answer and waits at `input()` with its socket still open: the Python server's
 * `conn.close()` ends it at once. So does each server here (and each client, against a server
 * that holds its socket after its last word), exit 0, once what it had queued is sent.
 *
 * The peer is played by the test, with a socket that never closes its side: `allowHalfOpen`,
 * so that Node does not answer the script's FIN with its own, as it does by default (against such
 * a peer a script that waits for its peer's FIN ends anyway): the harness's `dial()` and
 * `peerServer()` with `hold`.
 * The only time bound is until()'s: it catches a hang, it measures nothing.
 */
import type { Socket } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import './as-library.ts'; // before the script: its frame encoder, without running it
import { encode } from '../scripts/16-framed-server.ts';
import {
  client,
  dial,
  type Proc,
  peerServer,
  printedSoFar,
  type Server,
  server,
  socketPath,
  until,
} from './harness.ts';

/** One end of a connection that never closes its side: what it receives, and whether the end of
 * the stream came (a FIN), or an error (a reset). Destroyed when the test ends. */
interface Held {
  socket: Socket;
  text: () => string;
  ended: () => boolean;
  errors: string[];
}

function hold(t: ExecutionContext, socket: Socket): Held {
  const [chunks, errors] = [[] as Buffer[], [] as string[]];
  let ended = false;
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('end', () => (ended = true));
  socket.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? err.message));
  t.teardown(() => socket.destroy());
  return { socket, text: () => Buffer.concat(chunks).toString('utf8'), ended: () => ended, errors };
}

/** A raw client that holds its socket open, whatever the server does. */
async function holdingClient(t: ExecutionContext, s: Server): Promise<Held> {
  return hold(t, await dial(t, s, '127.0.0.1', { hold: true }));
}

/** A server that holds each connection open, whatever its client does: the next one accepted. */
async function holdingServer(t: ExecutionContext, path?: string) {
  let accept: (held: Held) => void = () => {};
  const accepted = new Promise<Held>((resolve) => {
    accept = resolve;
  });
  const to = await peerServer(t, (socket) => accept(hold(t, socket)), path, { hold: true });
  return { to, accepted };
}

/** The script ends by itself with exit 0, printing `stdout`. until()'s 30 s catch a hang (the
 * script waiting for its peer's FIN): a script that ends takes well under a second. */
async function endsCleanly(t: ExecutionContext, proc: Proc, stdout: string) {
  const ended = () => proc.exitCode !== null || proc.signalCode !== null;
  await until(() => (ended() ? 'exited' : `still running: ${printedSoFar(proc)}`), 'exited', 'it');
  const done = await proc;
  t.is(done.exitCode, 0, done.stderr);
  t.is(done.stdout, stdout);
}

/** The held end received `text`, all of it, then the end of the stream, and no reset. */
async function receivedThenEnd(t: ExecutionContext, held: Held, text: string) {
  await until(() => (held.ended() ? `${held.text()}<end>` : held.text()), `${text}<end>`);
  t.is(held.text(), text);
  t.deepEqual(held.errors, [], 'no reset');
}

// ---- the lock-step servers: bye, or the end of their input ----------------------------------

for (const name of ['01-tcp-server.ts', '18-unix-server.ts']) {
  test(`${name} ends at bye while its client holds the socket open`, async (t) => {
    const s = await server(t, name, { input: ['hello, client'], open: true });
    const c = await holdingClient(t, s);
    c.socket.write('hi server');
    await until(c.text, 'hello, client');
    c.socket.write('bye');
    await endsCleanly(t, s.proc, `listening on ${s.address}\nhi server\n请输入:\n>>>`);
    await receivedThenEnd(t, c, 'hello, client');
  });

  test(`${name} ends at the end of its input while its client holds the socket open`, async (t) => {
    const s = await server(t, name, { input: [] });
    const c = await holdingClient(t, s);
    c.socket.write('hi server');
    await endsCleanly(t, s.proc, `listening on ${s.address}\nhi server\n请输入:\n>>>`);
    await receivedThenEnd(t, c, '');
  });
}

test('16-framed-server.ts ends at bye while its client holds the socket open', async (t) => {
  const s = await server(t, '16-framed-server.ts', { input: ['hello, client'], open: true });
  const c = await holdingClient(t, s);
  c.socket.write(encode('hi server'));
  const answer = encode('hello, client').toString('utf8');
  await until(c.text, answer);
  c.socket.write(encode('bye'));
  await endsCleanly(t, s.proc, `listening on ${s.address}\nhi server\n请输入:\n>>>`);
  await receivedThenEnd(t, c, answer);
});

// ---- the servers that answer once (or read twice) and close ---------------------------------

test('05 answers hi and ends while its client holds the socket open', async (t) => {
  const s = await server(t, '05-tcp-reuseaddr-server.ts');
  const c = await holdingClient(t, s);
  c.socket.write('hello');
  await endsCleanly(t, s.proc, `listening on ${s.address}\nb'hello'`);
  await receivedThenEnd(t, c, 'hi');
});

test('12 reads twice and ends while its client holds the socket open', async (t) => {
  const s = await server(t, '12-sticky-recv-partial-server.ts');
  const c = await holdingClient(t, s);
  c.socket.write('hello feng');
  await endsCleanly(t, s.proc, `listening on ${s.address}\n-----> he\n-----> llo feng`);
  await receivedThenEnd(t, c, '');
});

test('14 reads twice and ends while its client holds the socket open', async (t) => {
  // 14's second read waits for more bytes or the end, as Python's recv(10) does: one send of 17
  // bytes gives both reads theirs (a send this small arrives whole on loopback).
  const s = await server(t, '14-sticky-merge-server.ts');
  const c = await holdingClient(t, s);
  c.socket.write('hello feng, again');
  await endsCleanly(t, s.proc, `listening on ${s.address}\n-----> hello feng\n-----> , again`);
  await receivedThenEnd(t, c, '');
});

test('06 serves the next client while a served one holds its socket; bye ends it', async (t) => {
  const s = await server(t, '06-tcp-multi-server.ts', { input: ['one', 'two'], open: true });
  for (const [message, answer] of [
    ['first', 'one'],
    ['second', 'two'],
  ] as const) {
    const c = await holdingClient(t, s);
    c.socket.write(message);
    await receivedThenEnd(t, c, answer);
  }
  const last = await holdingClient(t, s);
  last.socket.write('bye');
  const printed = `listening on ${s.address}\n收到 first\n请输入>>>收到 second\n请输入>>>`;
  await endsCleanly(t, s.proc, printed);
  await receivedThenEnd(t, last, '');
});

// ---- the clients, against a server that holds its socket after its last word ----------------

for (const name of ['02-tcp-client.ts', '19-unix-client.ts', '17-framed-client.ts']) {
  const framed = name.startsWith('17');
  const path = (t: ExecutionContext) => (name.startsWith('19') ? socketPath(t) : undefined);
  const said = (text: string) => (framed ? encode(text) : Buffer.from(text)).toString('utf8');

  test(`${name} ends at the server's bye while the server holds its socket open`, async (t) => {
    const peer = await holdingServer(t, path(t));
    const c = client(t, name, peer.to, { input: ['hi server'], open: true });
    const conn = await peer.accepted;
    await until(conn.text, said('hi server'));
    conn.socket.write(framed ? encode('bye') : 'bye');
    await endsCleanly(t, c, '请输入:\n>>>');
    await receivedThenEnd(t, conn, said('hi server'));
  });

  test(`${name} ends at the end of its input while the server holds its socket open`, async (t) => {
    const peer = await holdingServer(t, path(t));
    const c = client(t, name, peer.to, { input: [] });
    const conn = await peer.accepted;
    await endsCleanly(t, c, '请输入:\n>>>');
    await receivedThenEnd(t, conn, '');
  });
}

test('07 ends after sending bye while the server holds its socket open', async (t) => {
  const peer = await holdingServer(t);
  const c = client(t, '07-tcp-multi-client.ts', peer.to, { input: ['bye'], open: true });
  const conn = await peer.accepted;
  await endsCleanly(t, c, '请输入>>>');
  await receivedThenEnd(t, conn, 'bye');
});

for (const [name, sent] of [
  ['13-sticky-recv-partial-client.ts', 'hello feng'],
  ['15-sticky-merge-client.ts', 'hellofeng'],
] as const) {
  test(`${name} sends and ends while the server holds its socket open`, async (t) => {
    const peer = await holdingServer(t);
    const c = client(t, name, peer.to);
    const conn = await peer.accepted;
    await endsCleanly(t, c, '');
    await receivedThenEnd(t, conn, sent);
  });
}
