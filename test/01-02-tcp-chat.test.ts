import test from 'ava';
import {
  assertNoStack,
  client,
  dial,
  scriptPath,
  server,
  start,
  usagePrefix,
  waitFor,
} from './harness.ts';
import { checkTranscript } from './transcript.ts';

const SERVER = '01-tcp-server.ts';
const CLIENT = '02-tcp-client.ts';

test('01-tcp-server and 02-tcp-client chat in lock-step until the server answers bye', async (t) => {
  const s = await server(t, SERVER, { input: ['hello, client', 'bye'] });
  const c = await client(t, CLIENT, s, { input: ['hi server', '你好'] });
  const done = await s.proc;
  t.is(c.exitCode, 0);
  t.is(c.stdout, '请输入:\n>>>hello, client\n请输入:\n>>>');
  t.is(done.exitCode, 0);
  t.is(
    done.stdout,
    `listening on 127.0.0.1:${s.port}\nhi server\n请输入:\n>>>你好\n请输入:\n>>>(the client closed the connection)`,
  );
});

test('the pair works over IPv6 with --host ::1', async (t) => {
  const s = await server(t, SERVER, { args: ['--host', '::1'], input: ['over IPv6', 'bye'] });
  t.is(s.address, `[::1]:${s.port}`);
  const c = await client(t, CLIENT, s, { args: ['--host', '::1'], input: ['hi', 'ok'] });
  t.is(c.stdout, '请输入:\n>>>over IPv6\n请输入:\n>>>');
  t.is((await s.proc).exitCode, 0);
});

test('lesson 01 transcript matches a real run', (t) =>
  checkTranscript(t, '01-tcp-server', [
    ['hello, client', 'bye'],
    ['hi server', '你好'],
  ]));

test('lesson 02 transcript matches a real run', (t) =>
  checkTranscript(t, '02-tcp-client', [['hi']]));

test('--help prints the usage on stdout, exit 0', async (t) => {
  const done = await start(t, SERVER, { args: ['--help'] });
  t.is(done.exitCode, 0);
  t.is(done.stdout, `${usagePrefix(scriptPath(SERVER))}[--host 127.0.0.1] [--port 8088]`);
});

test('end of input at the client prompt closes cleanly on both sides', async (t) => {
  const s = await server(t, SERVER, { input: [] });
  const c = await client(t, CLIENT, s, { input: [] });
  t.is(c.exitCode, 0);
  t.is(c.stdout, '请输入:\n>>>');
  const done = await s.proc;
  t.is(done.exitCode, 0);
  t.is(done.stdout, `listening on 127.0.0.1:${s.port}\n(the client closed the connection)`);
});

test('end of input at the server prompt closes cleanly on both sides', async (t) => {
  const s = await server(t, SERVER, { input: [] });
  const c = await client(t, CLIENT, s, { input: ['hi', 'more'] });
  t.is(c.exitCode, 0);
  t.is(c.stdout, '请输入:\n>>>(the server closed the connection)');
  t.is((await s.proc).exitCode, 0);
});

test('an empty line is not sent: both sides ask again', async (t) => {
  const s = await server(t, SERVER, { input: ['', 'answer', 'bye'] });
  const c = await client(t, CLIENT, s, { input: ['', 'question', 'again'] });
  t.is(c.stdout, '请输入:\n>>>请输入:\n>>>answer\n请输入:\n>>>');
  t.is(
    (await s.proc).stdout,
    `listening on 127.0.0.1:${s.port}\nquestion\n请输入:\n>>>请输入:\n>>>again\n请输入:\n>>>(the client closed the connection)`,
  );
});

test('a client that vanishes mid-conversation (reset) ends the server with one line, exit 1', async (t) => {
  const s = await server(t, SERVER); // stdin left open: the server waits for a client line
  const peer = await dial(t, s);
  peer.write('hello');
  await waitFor(s.proc, 'hello\n');
  peer.resetAndDestroy();
  const done = await s.proc;
  t.is(done.exitCode, 1);
  t.is(done.stderr, 'the client reset the connection — it is gone');
  assertNoStack(t, done);
});

test('a second client is refused while the first is served', async (t) => {
  const s = await server(t, SERVER, { input: ['bye'] });
  const first = await dial(t, s);
  first.write('hello');
  await waitFor(s.proc, 'hello\n'); // accepted and served
  const second = await client(t, CLIENT, s, { input: ['hi'] });
  t.is(second.exitCode, 1);
  t.regex(second.stderr, /^nothing is listening on/);
});
