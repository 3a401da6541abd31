/**
 * Lessons 18 and 19: lesson 01's chat over a UNIX socket. Each test has its own socket path in
 * a fresh folder (`socketPath` in the harness), which `server()` and `client()` pass as --path.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test from 'ava';
import {
  assertNoStack,
  client,
  RUNNER,
  scriptPath,
  server,
  socketPath,
  start,
  usagePrefix,
} from './harness.ts';
import { checkTranscript } from './transcript.ts';

const SERVER = '18-unix-server.ts';
const CLIENT = '19-unix-client.ts';

test('lesson 18 transcript matches a real run', (t) =>
  checkTranscript(t, '18-unix-server', [
    ['hello, client', 'bye'],
    ['hi server', '你好'],
  ]));

test('lesson 19 transcript matches a real run', (t) =>
  checkTranscript(t, '19-unix-client', [['hi']]));

test('the pair chats over a socket file, owner-only (0600), deleted once the client is accepted', async (t) => {
  const s = await server(t, SERVER, { input: ['hello, client', 'bye'] });
  const path = s.path ?? '';
  t.is(s.address, path);
  const file = lstatSync(path);
  t.true(file.isSocket(), 'bind() made a socket file');
  t.is((file.mode & 0o777).toString(8), '600', 'rw------- : only its owner may connect');
  t.is(file.uid, process.getuid?.() ?? -1);
  const c = await client(t, CLIENT, s, { input: ['hi server', '你好'] });
  t.is(c.exitCode, 0, c.stderr);
  t.is(c.stdout, '请输入:\n>>>hello, client\n请输入:\n>>>');
  const done = await s.proc;
  t.is(done.exitCode, 0, done.stderr);
  t.is(
    done.stdout,
    `listening on ${path}\nhi server\n请输入:\n>>>你好\n请输入:\n>>>(the client closed the connection)`,
  );
  t.false(existsSync(path), 'the socket file is gone');
});

test('--help names the default path: the temporary folder, the kit, the user id', async (t) => {
  const done = await start(t, SERVER, { args: ['--help'] });
  t.is(done.exitCode, 0);
  const path = join(tmpdir(), `sockets-kit-${process.getuid?.()}.sock`);
  t.is(done.stdout, `${usagePrefix(scriptPath(SERVER))}[--path ${path}]`);
  const other = await start(t, CLIENT, { args: ['--help'] });
  t.is(other.stdout, `${usagePrefix(scriptPath(CLIENT))}[--path ${path}]`);
});

test('a file left by a server that died is stale: the client is refused, a new server replaces it', async (t) => {
  const first = await server(t, SERVER);
  first.proc.kill('SIGKILL'); // no chance to clean up
  await first.proc;
  const path = first.path ?? '';
  t.true(lstatSync(path).isSocket(), 'the dead server left its socket file');
  const refused = await client(t, CLIENT, first, { input: ['hi'] });
  t.is(refused.exitCode, 1);
  t.is(refused.stderr, `nothing is listening on ${path} — start 18-unix-server.ts first`);
  const second = await server(t, SERVER, { input: ['bye'] }); // same path: the test's own
  t.is(second.path, path);
  const c = await client(t, CLIENT, second, { input: ['hello'] });
  t.is(c.exitCode, 0, c.stderr);
  t.is((await second.proc).exitCode, 0);
});

test('a live server is not replaced: already in use (and the probe was its one client)', async (t) => {
  const first = await server(t, SERVER, { input: [] });
  const second = await start(t, SERVER, { args: ['--path', first.path ?? ''], input: [] });
  t.is(second.exitCode, 1);
  t.is(
    second.stderr,
    `${first.path} is already in use — stop the other server or choose another --path`,
  );
  assertNoStack(t, second);
  // Telling live from stale means connecting: the first server took that call for its client.
  const done = await first.proc;
  t.is(done.exitCode, 0);
  t.true(done.stdout.endsWith('(the client closed the connection)'), done.stdout);
});

test('a path that is not a socket (a file, a folder) is refused and left alone', async (t) => {
  const file = socketPath(t);
  writeFileSync(file, 'my notes\n');
  const folder = join(dirname(file), 'folder');
  mkdirSync(folder);
  for (const path of [file, folder]) {
    const done = await start(t, SERVER, { args: ['--path', path], input: [] });
    t.is(done.exitCode, 1);
    t.is(
      done.stderr,
      `${path} exists and is not a socket — it is left alone: choose another --path`,
    );
  }
  t.is(readFileSync(file, 'utf8'), 'my notes\n');
  t.true(lstatSync(folder).isDirectory());
});

test('a path of 108 bytes is refused (sun_path holds 107 and a NUL); 107 works', async (t) => {
  const folder = dirname(socketPath(t));
  const longest = `${folder}/${'x'.repeat(107 - folder.length - 1)}`;
  for (const name of [SERVER, CLIENT]) {
    const done = await start(t, name, { args: ['--path', `${longest}y`], input: [] });
    t.is(done.exitCode, 2);
    t.regex(done.stderr, /^--path takes 1 to 107 bytes, not 108 — usage: /);
  }
  const s = await server(t, SERVER, { args: ['--path', longest], input: ['bye'] });
  t.is(s.path, longest);
  t.true(lstatSync(longest).isSocket());
  t.is((await client(t, CLIENT, s, { input: ['hi'] })).exitCode, 0);
});

test('a folder that does not exist: one line, exit 1', async (t) => {
  const path = join(dirname(socketPath(t)), 'missing', 'chat.sock');
  const done = await start(t, SERVER, { args: ['--path', path], input: [] });
  t.is(done.exitCode, 1);
  t.is(done.stderr, `cannot create ${path}: no such folder, or not yours — choose another --path`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} while it waits for a client deletes the socket file`, async (t) => {
    const s = await server(t, SERVER);
    t.true(existsSync(s.path ?? ''));
    s.proc.kill(signal);
    const done = await s.proc;
    t.is(done.signal, signal, 'it died of the signal, as Ctrl+C should end it');
    t.is(done.stderr, '');
    t.false(existsSync(s.path ?? ''), 'the socket file is gone');
  });
}

test('end of input at the server prompt: a clean end on both sides, no file left', async (t) => {
  const s = await server(t, SERVER, { input: [] });
  const c = await client(t, CLIENT, s, { input: ['hi', 'more'] });
  t.is(c.stdout, '请输入:\n>>>(the server closed the connection)');
  t.is((await s.proc).exitCode, 0);
  t.false(existsSync(s.path ?? ''));
});

/**
 * The abstract namespace (Linux): `--path @name` binds `\0name`, a name with no file. Every
 * runtime reaches it, but Node 20 (libuv 1.46) binds the name padded with NULs to all 108 bytes
 * of sun_path, so a program that uses the exact name (Python, Node 22+, Deno, Bun) cannot
 * connect to a Node 20 server. /proc/net/unix shows the name as bound, NULs as `@`.
 */
test('--path @name: the abstract namespace, no file; Node 20 pads the name to 108 bytes', async (t) => {
  const name = `sockets-kit-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const s = await server(t, SERVER, { args: ['--path', `@${name}`], input: ['bye'] });
  t.is(s.address, `@${name}`);
  t.false(existsSync(`@${name}`), 'no file, not even in the current folder');
  const bound = readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .map((row) => row.split(' ').at(-1) ?? '')
    .find((path) => path.startsWith(`@${name}`));
  const node20 = ['js', 'tsx'].includes(RUNNER) && process.versions.node.startsWith('20.');
  t.is(bound, node20 ? `@${name}`.padEnd(108, '@') : `@${name}`, `bound by ${RUNNER}`);
  // No file to be stale: a name in use is in use, and the first server is not disturbed.
  const again = await start(t, SERVER, { args: ['--path', `@${name}`], input: [] });
  t.is(again.stderr, `@${name} is already in use — stop the other server or choose another --path`);
  const c = await client(t, CLIENT, s, { args: ['--path', `@${name}`], input: ['hi'] });
  t.is(c.exitCode, 0, c.stderr);
  t.is((await s.proc).exitCode, 0);
});
