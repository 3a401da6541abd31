/**
 * The README's own commands, run as written: `npx tsx` for both sides of the first pair, and the
 * client fed by a pipe, as in `printf 'hello\nbye\n' | npx tsx scripts/02-tcp-client.ts`.
 */
import test from 'ava';
import { client, read, server } from './harness.ts';

test('README: npx tsx runs the 01/02 pair, the client fed by a pipe', async (t) => {
  t.true(read('README.md').includes('npx tsx scripts/01-tcp-server.ts'));
  const s = await server(t, '01-tcp-server.ts', { npx: true, input: ['hi'] });
  const c = await client(t, '02-tcp-client.ts', s, { npx: true, input: ['hello', 'bye'] });
  t.is(c.exitCode, 0);
  t.is(c.stdout, '请输入:\n>>>hi\n请输入:\n>>>(the server closed the connection)');
  const done = await s.proc;
  t.is(done.exitCode, 0);
  t.is(done.stdout, `listening on 127.0.0.1:${s.port}\nhello\n请输入:\n>>>`);
});

test('README: .ci/run runs exactly the set-up commands the README gives', (t) => {
  const ci = read('.ci/run');
  const readme = read('README.md');
  const commands = /## Set up[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1]?.trim().split('\n');
  t.deepEqual(commands, ['npm install', 'npm test']);
  for (const command of commands ?? []) t.regex(ci, new RegExp(`^${command}$`, 'm'));
});
