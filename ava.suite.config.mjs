// The configuration `npm test` runs the suite with (see test/suite.mjs): the test files bundled
// to JavaScript once, run in worker threads. `npx ava test/NAME.test.ts` uses package.json's
// configuration instead: the TypeScript through tsx, one process per file.
export default {
  files: [`${process.env.KIT_TEST_BUILD ?? '.test-build'}/*.test.mjs`], // set by test/suite.mjs
  workerThreads: true,
  // Four files at once on two cores: most of a file's time is spent waiting on its processes
  // (24-25: 8 s of wall time for 2.5 s of CPU), so two at a time left a core idle. Measured with
  // the same tests, three runs each: 21.7-22.5 s against 24.6-25.3 s. test:runtimes runs tsx's files one at a time
  // (KIT_AVA_CONCURRENCY=1): each script start costs tsx's loader, and more files at once left
  // timed tests without the CPU they measure (see test/runtimes.ts).
  concurrency: Number(process.env.KIT_AVA_CONCURRENCY ?? 4),
  // The longest files first, so that none of them starts last and runs on alone: measured on
  // the kit's two cores, robustness and 24-25 take about 8 s each, every other file 1 to 5 s.
  sortTestFiles: (a, b) => rank(a) - rank(b) || a.localeCompare(b),
  nodeArguments: ['--enable-source-maps'],
  timeout: '30s',
};

function rank(file) {
  const i = ['robustness', '24-25-rdt', '22-23-udp-ping'].findIndex((f) => file.includes(f));
  return i === -1 ? 99 : i;
}
