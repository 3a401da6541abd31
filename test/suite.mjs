/**
 * `npm test`: the lint and format check, then the type check and the tests side by side.
 *
 * Why not `tsc && ava` with tsx: measured on the kit's two cores, an ava worker process that
 * loads tsx costs about 0.4 s of CPU before its first test, and the suite has a file per pair.
 * Bundled to JavaScript once by esbuild (0.2 s for every file) the tests run in worker threads
 * instead, with no loader; the type check of the same sources runs at the same time, in the CPU
 * the tests leave idle while they wait on their processes.
 *
 *   node test/suite.mjs                  everything (what `npm test` runs)
 *   node test/suite.mjs --tests-only     only the tests (what `npm run test:runtimes` runs)
 *   node test/suite.mjs FILE.test.ts...  only these test files, and no checks (ava's own flags,
 *                                        such as --match '*16*', are passed on)
 */
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { relative } from 'node:path';
import { build } from 'esbuild';

const args = process.argv.slice(2);
const chosen = args.filter((arg) => arg.endsWith('.test.ts'));
const forAva = args.filter((arg) => !arg.endsWith('.test.ts') && arg !== '--tests-only'); // --match
const checks = chosen.length === 0 && !args.includes('--tests-only');
const tests =
  chosen.length > 0
    ? chosen
    : readdirSync('test')
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => `test/${f}`);

/** Whether process `pid` is running (0 or NaN: the old shared folder, which no one owns). */
function alive(pid) {
  try {
    return pid > 0 && process.kill(pid, 0);
  } catch {
    return false;
  }
}

/** Run a command with the terminal as its output; resolve with its exit code. */
function run(command, argv, output = 'inherit') {
  return new Promise((resolve) => {
    const child = spawn(command, argv, { stdio: ['ignore', output, output] });
    let text = '';
    child.stdout?.on('data', (chunk) => (text += chunk));
    child.stderr?.on('data', (chunk) => (text += chunk));
    child.on('close', (code, signal) => {
      if (signal)
        process.stderr.write(`${command} was ended by ${signal}, from outside the suite\n`);
      resolve({ code: code ?? 1, text });
    });
  });
}

// The type check first, so that it has the machine to itself while the lint runs and the tests
// are bundled, and is well ahead before the tests take every core (cold, it needs about 5 s of CPU).
const typecheckStarted = performance.now();
const typecheck = checks
  ? run('node_modules/.bin/tsc', ['--noEmit', '-p', '.'], 'pipe').then((result) => ({
      ...result,
      seconds: (performance.now() - typecheckStarted) / 1000,
    }))
  : undefined;

if (checks) {
  const lint = await run('node_modules/.bin/biome', ['check', '--error-on-warnings', '.']);
  if (lint.code !== 0) process.exit(lint.code);
}

// A folder of this run's own, so that two runs at once (a second terminal, test:runtimes beside a
// single file) never delete each other's bundles; those of runs no longer alive are removed.
const out = `.test-build-${process.pid}`;
for (const old of readdirSync('.').filter((f) => /^\.test-build(-\d+)?$/.test(f))) {
  if (!alive(Number(old.split('-')[2]))) rmSync(old, { recursive: true, force: true });
}
process.on('exit', () => rmSync(out, { recursive: true, force: true }));
process.env.KIT_TEST_BUILD = out; // for ava.suite.config.mjs
await build({
  // Side by side in one folder, whichever folder of test/ a file is in (test/redis/29.test.ts is
  // redis-29.test.mjs): ava looks for *.test.mjs there, and the folder is one level below the
  // root, as test/ is, so that the harness finds the root.
  entryPoints: tests.map((file) => ({
    in: file,
    out: relative('test', file).replace(/\.ts$/, '').replaceAll('/', '-'),
  })),
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});

const ava = await run('node_modules/.bin/ava', ['--config', 'ava.suite.config.mjs', ...forAva]);
const types = await typecheck;
if (types) {
  const took = `(${types.seconds.toFixed(1)} s from the start)`;
  process.stdout.write(types.code === 0 ? `type check: no errors ${took}\n` : types.text);
}
process.exit(ava.code || types?.code || 0);
