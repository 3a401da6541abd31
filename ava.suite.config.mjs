// The configuration `npm test` runs the suite with (see test/suite.mjs): the test files bundled
// to JavaScript once, run in worker threads. `npx ava test/NAME.test.ts` uses package.json's
// configuration instead: the TypeScript through tsx, one process per file.
import { availableParallelism } from 'node:os';

export default {
  files: [`${process.env.KIT_TEST_BUILD ?? '.test-build'}/*.test.mjs`], // set by test/suite.mjs
  workerThreads: true,
  // Two test files per core the machine gives this process (four on the kit's two cores): most of
  // a file's time is spent waiting on its processes (24-25: several seconds of wall time for one
  // of CPU), so one a core leaves the cores idle. On two cores, four files at once took 22 s
  // against 25 s with two. test:runtimes sets fewer (KIT_AVA_CONCURRENCY): a start costs more there.
  concurrency: Number(process.env.KIT_AVA_CONCURRENCY ?? 2 * availableParallelism()),
  // The bad-input matrix first (a quarter of the suite's CPU, in 300 short cases that keep both
  // cores busy), then the files that spend their time waiting (22-23 and 24-25 wait out timeouts
  // on purpose, 20-21 a stalled room): they finish beside the rest instead of after it. Five
  // quiet runs took 26.9-33.7 s (median 28.0) this way against 31.3-32.9 (32.4) with the matrix
  // last. That is for the wall time only: no test asserts speed, and a late answer is waited for,
  // so no file's result depends on what runs beside it. KIT_SHUFFLE=N orders the files at random
  // (seed N) instead, to show it.
  sortTestFiles: process.env.KIT_SHUFFLE
    ? (a, b) => shuffled(a) - shuffled(b)
    : (a, b) => rank(a) - rank(b) || a.localeCompare(b),
  nodeArguments: ['--enable-source-maps'],
  // A file that reports no result for this long has hung (ava restarts the clock at every result);
  // on a quiet machine the longest test takes about 3 s.
  timeout: '60s',
};

function rank(file) {
  const i = ['robustness', '22-23-udp-ping', '24-25-rdt', '20-21-chat'].findIndex((f) =>
    file.includes(f),
  );
  return i === -1 ? 50 : i;
}

/** A stable random position for a file name, from KIT_SHUFFLE's seed (FNV-1a of seed and name). */
function shuffled(file) {
  let h = 0x811c9dc5;
  for (const c of `${process.env.KIT_SHUFFLE}:${file}`)
    h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return h >>> 0;
}
