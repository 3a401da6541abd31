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
  // The files whose tests play a peer in the test's own thread (22-23 and 24-25 answer UDP
  // datagrams) first, and the bad-input matrix, which starts a process in each of its 300 cases,
  // last: the peers then answer sooner. No test asserts speed, and a late answer is waited for,
  // so no file's result depends on what runs beside it; KIT_SHUFFLE=N orders the files at random
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
  if (file.includes('robustness')) return 99;
  const i = ['22-23-udp-ping', '24-25-rdt', '20-21-chat'].findIndex((f) => file.includes(f));
  return i === -1 ? 50 : i;
}

/** A stable random position for a file name, from KIT_SHUFFLE's seed (FNV-1a of seed and name). */
function shuffled(file) {
  let h = 0x811c9dc5;
  for (const c of `${process.env.KIT_SHUFFLE}:${file}`)
    h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return h >>> 0;
}
