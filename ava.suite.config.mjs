// The configuration `npm test` runs the suite with (see test/suite.mjs): the test files bundled
// to JavaScript once, run in worker threads. `npx ava test/NAME.test.ts` uses package.json's
// configuration instead: the TypeScript through tsx, one process per file.
export default {
  files: [`${process.env.KIT_TEST_BUILD ?? '.test-build'}/*.test.mjs`], // set by test/suite.mjs
  workerThreads: true,
  nodeArguments: ['--enable-source-maps'],
  timeout: '30s',
};
