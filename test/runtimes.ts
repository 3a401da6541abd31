/**
 * `npm run test:runtimes`: the whole suite once per runtime a student may have. The tests always
 * run in this Node (ava's workers); what changes is the runtime of every script they start
 * (`KIT_RUNNER`, see the harness): Node 20 with tsx, Node 22 and 24 stripping types themselves,
 * Deno 2 and Bun 1. The runtimes are pinned here and fetched from the npm registry on first use
 * into a cache outside the repository, so a student's `npm install` never downloads them.
 *
 *   npm run test:runtimes                 every runtime
 *   npm run test:runtimes -- deno bun     only these (names from RUNTIMES)
 *   npm run test:runtimes -- --fetch      fetch them all, run nothing (prints where they are)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fetched, RUNTIMES } from './runtimes-cache.ts';

const args = process.argv.slice(2);
const fetchOnly = args.includes('--fetch');
const chosen = args.filter((a) => a !== '--fetch');
for (const name of chosen) {
  if (!RUNTIMES[name]) quit(`unknown runtime '${name}': choose from ${Object.keys(RUNTIMES)}`);
}

const results: [string, string, number][] = [];
for (const [name, runtime] of Object.entries(RUNTIMES)) {
  if (chosen.length > 0 && !chosen.includes(name)) continue;
  const { binary, version } = (() => {
    try {
      return fetched(name);
    } catch (err) {
      return quit((err as Error).message);
    }
  })();
  if (fetchOnly) {
    console.log(`${name}: ${version} at ${binary}`);
    continue;
  }
  console.log(`\n==== ${name}: scripts run by ${version} (KIT_RUNNER=${runtime.runner}) ====\n`);
  const env: NodeJS.ProcessEnv = { ...process.env, KIT_RUNNER: runtime.runner };
  if (runtime.env) env[runtime.env] = binary;
  // Fewer test files at once than npm test's four: a script start costs more here than as the
  // stripped JavaScript npm test runs, and with four files at once 25's 1 MiB --window 1 transfer
  // under Node 22 took 6 to 12 s of its 12 (2 s alone). Under tsx every start costs its loader
  // (about 1 s of CPU on a slow day): one file at a time, or the timed tests run out of time.
  env.KIT_AVA_CONCURRENCY = runtime.runner === 'tsx' ? '1' : '2';
  const started = Date.now();
  const ava = spawnSync(process.execPath, [join('test', 'suite.mjs'), '--tests-only'], {
    stdio: 'inherit',
    env,
  });
  results.push([
    `${name} (${version})`,
    ava.status === 0 ? 'passed' : 'FAILED',
    Date.now() - started,
  ]);
}

if (!fetchOnly) {
  const width = Math.max(8, ...results.map(([name]) => name.length + 2));
  console.log(`\n${'runtime'.padEnd(width)}suite    time`);
  for (const [name, verdict, ms] of results) {
    console.log(`${name.padEnd(width)}${verdict.padEnd(9)}${(ms / 1000).toFixed(1)} s`);
  }
  if (results.some(([, verdict]) => verdict !== 'passed')) process.exit(1);
}

function quit(message: string): never {
  console.error(message);
  process.exit(1);
}
