// The configuration `npm test` runs the suite with (see test/suite.mjs): the test files bundled
// to JavaScript once, run in worker threads. `npx ava test/NAME.test.ts` uses package.json's
// configuration instead: the TypeScript through tsx, one process per file.
export default {
  files: [`${process.env.KIT_TEST_BUILD ?? '.test-build'}/*.test.mjs`], // set by test/suite.mjs
  workerThreads: true,
  // test:runtimes runs tsx's files one at a time: each script start costs tsx's loader, and two
  // files' worth at once left timed tests without the CPU they measure (see test/runtimes.ts).
  ...(process.env.KIT_AVA_CONCURRENCY
    ? { concurrency: Number(process.env.KIT_AVA_CONCURRENCY) }
    : {}),
  nodeArguments: ['--enable-source-maps'],
  timeout: '30s',
};
