/**
 * One file, anywhere: every script, copied alone into an empty folder (no package.json, no
 * node_modules), runs there. With no package.json saying "type": "module", tsx compiles a lone
 * `.ts` file as CommonJS (where top-level await is a syntax error and import.meta is empty): the
 * default runner does the same, stripping the copy as CommonJS, and two copies (a server whose
 * functions the tests import, and a client) go through tsx itself. Under KIT_RUNNER=tsx, node,
 * deno or bun (`npm run test:runtimes`) every copy runs with that runtime.
 *
 * A server must get as far as `listening on` (so its main part ran, not only its flags) and end
 * quietly on Ctrl+C; any other script must print a usage line that names the copy as started.
 * Lesson 29 listens, then links to Redis: here, with no Redis, it must get as far as saying so
 * (test/redis/29.test.ts runs a copy with one, to its `listening on`).
 */
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import {
  failsWithOneLine,
  firstLine,
  freePort,
  RUNNER,
  root,
  scriptPath,
  socketPath,
  start,
  takesPath,
  tempFolder,
  usagePrefix,
} from './harness.ts';

const scripts = readdirSync(`${root}scripts`).filter((f) => /^\d\d-.+\.ts$/.test(f));
const throughTsx = ['10-udp-time-server.ts', '02-tcp-client.ts'];
const cases = scripts.map((name) => [name, RUNNER === 'js' ? 'cjs' : RUNNER] as const);
if (RUNNER === 'js') cases.push(...throughTsx.map((name) => [name, 'tsx'] as const));

for (const [name, runner] of cases) {
  test(`${name}, copied alone into an empty folder, runs there (${runner})`, async (t) => {
    const folder = tempFolder(t, 'copy');
    const copy = join(folder, name);
    copyFileSync(scriptPath(name), copy);
    const options = { cwd: folder, runner };
    if (name.includes('-redis')) {
      const args = ['--port', '0', '--redis', `127.0.0.1:${await freePort()}`];
      const done = await start(t, copy, { ...options, args });
      failsWithOneLine(t, done, /^nothing is listening on 127\.0\.0\.1:\d+ — start redis-server/);
    } else if (/^\s*console\.log\(`listening on /m.test(readFileSync(copy, 'utf8'))) {
      const args = takesPath(name) ? ['--path', socketPath(t)] : ['--port', '0'];
      const proc = start(t, copy, { ...options, args });
      t.regex(await firstLine(proc), /^listening on /);
      proc.kill('SIGINT');
      const done = await proc;
      t.is(done.stderr, '');
      t.true(
        done.exitCode === 0 || done.signal === 'SIGINT',
        `ended by ${done.exitCode ?? done.signal}`,
      );
    } else {
      const done = await start(t, copy, { ...options, args: ['--help'] });
      t.is(done.exitCode, 0, done.stderr);
      t.true(done.stdout.startsWith(usagePrefix(copy, folder, runner)), done.stdout);
    }
  });
}
