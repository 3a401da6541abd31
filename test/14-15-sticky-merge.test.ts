import test from 'ava';
import {
  client,
  listenBacklog,
  RUNNER,
  scriptPath,
  server,
  start,
  usagePrefix,
} from './harness.ts';
import { checkTranscript } from './transcript.ts';

const SERVER = '14-sticky-merge-server.ts';
const CLIENT = '15-sticky-merge-client.ts';

// The pause (--wait, 50 ms by default) starts when the first bytes arrive, and 15 writes both
// sends in the same turn of its event loop, so both are in the buffer when 14 first reads.
test('with its pause, 14 reads the two sends of 15 as one: hellofeng, then the end', async (t) => {
  const s = await server(t, SERVER);
  // listen(5), as in the listing (Bun's node:net always passes 512: lesson 14)
  t.is(listenBacklog(s.port), RUNNER === 'bun' ? 512 : 5);
  const c = await client(t, CLIENT, s);
  t.is(c.exitCode, 0);
  t.is(c.stdout, '');
  const done = await s.proc;
  t.is(done.exitCode, 0);
  t.is(done.stdout, `listening on 127.0.0.1:${s.port}\n-----> hellofeng\n-----> `);
});

test('lesson 14 transcript matches a real run', (t) =>
  checkTranscript(t, '14-sticky-merge-server'));

test('lesson 15 transcript (over IPv6) matches a real run', (t) =>
  checkTranscript(t, '15-sticky-merge-client'));

// Without the pause the split is a matter of timing, so only what never varies is asserted:
// every byte arrives, in order, in one read or two.
test('with --wait 0 the bytes still arrive whole and in order, however they are split', async (t) => {
  const s = await server(t, SERVER, { args: ['--wait', '0'] });
  await client(t, CLIENT, s);
  const done = await s.proc;
  t.is(done.exitCode, 0);
  const [, first, second] =
    /^-----> (.*)\n-----> (.*)$/m.exec(done.stdout.split('\n').slice(1).join('\n')) ?? [];
  t.true(`${first}${second}` === 'hellofeng', done.stdout);
  t.true(first === 'hellofeng' || first === 'hello', `first read: ${first}`);
});

test('14 --wait takes milliseconds; anything else is a usage error, exit 2', async (t) => {
  for (const wait of ['abc', '1.5', '10001']) {
    const done = await start(t, SERVER, { args: ['--wait', wait] });
    t.is(done.exitCode, 2);
    t.regex(
      done.stderr,
      new RegExp(`^--wait takes milliseconds from 0 to 10000, not '${wait}' — usage: `),
    );
  }
  const help = await start(t, SERVER, { args: ['--help'] });
  t.is(
    help.stdout,
    `${usagePrefix(scriptPath(SERVER))}[--host 127.0.0.1] [--port 8080] [--wait MS]`,
  );
});
