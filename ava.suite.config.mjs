// The configuration `npm test` runs the suite with (see test/suite.mjs): the test files bundled
// to JavaScript once, run in worker threads. `npx ava test/NAME.test.ts` uses package.json's
// configuration instead: the TypeScript through tsx, one process per file.
export default {
  files: [`${process.env.KIT_TEST_BUILD ?? '.test-build'}/*.test.mjs`], // set by test/suite.mjs
  workerThreads: true,
  // Four files at once on two cores: most of a file's time is spent waiting on its processes
  // (24-25: 8 s of wall time for 2.5 s of CPU), so two at a time left a core idle: 22-25 s
  // against 24.6-25.3 s, three runs each. test:runtimes runs two at a time, and tsx's one
  // (KIT_AVA_CONCURRENCY): a start costs more there, and timed tests need the CPU they measure.
  concurrency: Number(process.env.KIT_AVA_CONCURRENCY ?? 4),
  // The timed files first (24-25's 1 MiB transfers, 22-23's pings) and the bad-input matrix last:
  // started beside the matrix's 16 processes at a time, 25's --window 1 transfer took 5 to 9.5 s
  // of its 12 (2 s alone); beside the small files, 4.2 to 5.7 s.
  sortTestFiles: (a, b) => rank(a) - rank(b) || a.localeCompare(b),
  nodeArguments: ['--enable-source-maps'],
  timeout: '30s',
};

function rank(file) {
  if (file.includes('robustness')) return 99;
  const i = ['24-25-rdt', '22-23-udp-ping'].findIndex((f) => file.includes(f));
  return i === -1 ? 50 : i;
}
