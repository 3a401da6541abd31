import test from 'ava';
import {
  client,
  dial,
  listenBacklog,
  RUNNER,
  scriptPath,
  server,
  start,
  usagePrefix,
} from './harness.ts';
import { checkTranscript } from './transcript.ts';

const SERVER = '12-sticky-recv-partial-server.ts';
const CLIENT = '13-sticky-recv-partial-client.ts';

test('12 reads the one send of 13 in two pieces: he, then llo feng', async (t) => {
  const s = await server(t, SERVER);
  // listen(5), as in the listing (Bun's node:net always passes 512: lesson 12)
  t.is(listenBacklog(s.port), RUNNER === 'bun' ? 512 : 5);
  const c = await client(t, CLIENT, s);
  t.is(c.exitCode, 0);
  t.is(c.stdout, '');
  const done = await s.proc;
  t.is(done.exitCode, 0);
  t.is(done.stdout, `listening on 127.0.0.1:${s.port}\n-----> he\n-----> llo feng`);
});

test('lesson 12 transcript matches a real run', (t) =>
  checkTranscript(t, '12-sticky-recv-partial-server'));

test('lesson 13 transcript (over IPv6) matches a real run', (t) =>
  checkTranscript(t, '13-sticky-recv-partial-client'));

test('a character cut by the 2-byte read is not garbled: it comes out whole in the second', async (t) => {
  const s = await server(t, SERVER);
  (await dial(t, s)).end('你好世界'); // 12 bytes: the first read takes 2 of the 3 bytes of 你
  const done = await s.proc;
  t.is(done.exitCode, 0);
  t.is(done.stdout, `listening on 127.0.0.1:${s.port}\n-----> \n-----> 你好世界`);
});

test('a client that sends nothing: both reads give the end of the stream, empty', async (t) => {
  const s = await server(t, SERVER);
  (await dial(t, s)).end();
  const done = await s.proc;
  t.is(done.exitCode, 0);
  t.is(done.stdout, `listening on 127.0.0.1:${s.port}\n-----> \n-----> `);
});

for (const name of [SERVER, CLIENT]) {
  test(`${name} --help shows the default port 8080`, async (t) => {
    const help = await start(t, name, { args: ['--help'] });
    t.is(help.exitCode, 0);
    t.is(help.stdout, `${usagePrefix(scriptPath(name))}[--host 127.0.0.1] [--port 8080]`);
  });
}
