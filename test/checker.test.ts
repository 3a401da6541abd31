/**
 * `npm run check` on bad input, and on the ways a student's copy of lesson 01 goes wrong: one
 * clear line each, never a stack trace of the checker's own, a student's stack trace marked as
 * theirs, and nothing left running or listening afterwards, pass or fail. Every lesson's checks
 * against the kit's scripts, starters and wrong solutions, and the type check, are tried by
 * `npm run test:checker` (test/checker/checker.test.ts), which costs more than this suite has.
 */
import { readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { build } from 'esbuild';
import { command, program, read, root, tcpSockets, tempFolder, until } from './harness.ts';

/** The CLI bundled once to plain JavaScript (a start in 0.1 s, not tsx's 0.4), inside the kit so
 * that what it imports resolves as from check/cli.ts. */
const cli = (async () => {
  const outfile = `${root}node_modules/.cache/sockets-kit/check-cli-${process.pid}.mjs`;
  process.on('exit', () => rmSync(outfile, { force: true }));
  await build({
    entryPoints: [`${root}check/cli.ts`],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(`${root}check/cli.ts`).href) },
  });
  return outfile;
})();

/** A student's file in a folder removed when the test ends: 01 as it is, with `edit` applied. */
function copy(t: ExecutionContext, edit: (source: string) => string = (s) => s) {
  const file = join(tempFolder(t, 'student'), '01-tcp-server.ts');
  writeFileSync(file, edit(read('scripts/01-tcp-server.ts')));
  return file;
}

/** Run the checker as a student would. Its waits are 10 s, or `waitMs` for a case in which what
 * it waits for must never come (a hang): short only there, since elsewhere a short wait would
 * fail a start that a busy machine makes slow. */
async function check(t: ExecutionContext, args: string[], waitMs = 10_000) {
  const env = { KIT_CHECK_WAIT_MS: `${waitMs}`, INIT_CWD: root };
  return await program(t, 'node', [await cli, ...args], { env });
}

/** Every process still running the student's `file`: the checker runs it stripped of its types,
 * from the kit's cache (the harness's 'mapped' runner), so that is the path its command line names. */
function leftRunning(file: string) {
  const stripped = command(file, 'mapped').at(-1) ?? file;
  return running((cmdline) => cmdline.includes(stripped));
}

/** The type checks (tsc) running on a file in `folder`: tsc runs in the student's folder. */
const typesRunning = (folder: string) =>
  running((cmdline, pid) => cmdline.includes('typescript/bin/tsc') && cwd(pid) === folder);
const cwd = (pid: string) => readlinkSync(`/proc/${pid}/cwd`);

/** The pids of the live (not zombie) processes whose command line passes `test`. */
function running(test: (cmdline: string, pid: string) => boolean) {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const live = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
        return live && test(readFileSync(`/proc/${p}/cmdline`, 'utf8'), p);
      } catch {
        return false;
      }
    });
}

const noStackOfOurs = (t: ExecutionContext, output: string) =>
  t.notRegex(output.replace(/^ {4}\| .*$/gm, ''), /^\s+at /m, 'a stack trace of the checker');

test('bad input: one line and exit 2 for the usage, a lesson with no checks, a path that is not a file', async (t) => {
  const cases: [string[], RegExp][] = [
    [[], /^give a lesson number and a file — usage: npm run check -- NN PATH/],
    [['26', 'scripts/26-tcp-vs-udp.ts'], /^'26' has no checks: lessons 01 to \d\d do/],
    [['01', 'no/such/file.ts'], /^no such file: no\/such\/file\.ts — give the path to your copy$/],
    [['01', 'scripts'], /^scripts is not a file — give the path to your copy$/],
    [
      ['01', 'x.ts', '--runtime', 'java'],
      /^--runtime is one of js, tsx, node, deno, bun, not 'java'/,
    ],
  ];
  for (const [args, line] of cases) {
    const done = await check(t, args);
    t.is(done.exitCode, 2, done.stderr);
    t.regex(done.stderr, line);
    t.is(done.stderr.split('\n').length, 1, 'one line');
  }
});

test('a file that does not parse: where, as FILE:LINE:COLUMN, exit 1', async (t) => {
  const file = copy(t, (s) =>
    s.replace('async function main() {', 'async function main() {\n  const = 1;'),
  );
  const done = await check(t, ['01', file, '--no-types']);
  t.is(done.exitCode, 1);
  t.regex(
    done.stderr,
    /01-tcp-server\.ts:\d+:\d+: .* — it does not parse: fix it, then check again$/,
  );
  t.is(done.stderr.split('\n').length, 1);
});

/** What a copy has wrong, its edit, what the first check says; the hang's wait is 2 s. */
const broken: [string, (s: string) => string, RegExp][] = [
  [
    'a crash at start: its own stack trace, marked as its own, naming its own lines',
    (s) => s.replace('const { host, port }', "JSON.parse('{boom');\nconst { host, port }"),
    /exited \(1\) before printing a line;[^\n]*\n {4}your program's stderr:\n(?: {4}\| .*\n)*? {4}\| SyntaxError: [^\n]*JSON[\s\S]*? {4}\| +at .*01-tcp-server\.ts:\d+:\d+\)/,
  ],
  [
    'exits at once, saying nothing',
    (s) => s.replace('async function main() {', 'async function main() {\n  process.exit(0);'),
    /it exited \(0\) before printing a line/,
  ],
  [
    'a hang that prints nothing',
    (s) =>
      s.replace(
        'async function main() {',
        'async function main() {\n  await new Promise(() => setInterval(() => {}, 1000));',
      ),
    /nothing printed within 2 s/,
  ],
  [
    'a hard-coded port',
    (s) =>
      s.replace(
        'const { host, port } = flags(8088);',
        'const { host } = flags(8088);\nconst port = 8088;',
      ),
    /ignores --port|it listens on 8088|already in use/,
  ],
];

for (const [what, edit, says] of broken) {
  test(`a copy of 01 with ${what}: the first check says so, the rest are not run, nothing left running`, async (t) => {
    const file = copy(t, edit);
    const listeners8088 = () =>
      tcpSockets(8088)
        .filter((s) => s.state === 'LISTEN')
        .map((s) => s.inode);
    const before = listeners8088(); // another program of this machine's may hold 8088 already
    const done = await check(
      t,
      ['01', file, '--no-types'],
      what.includes('hang') ? 2000 : undefined,
    );
    t.is(done.exitCode, 1);
    t.regex(done.stdout, says);
    t.regex(done.stdout, /^✘ starts, and its first line says where it listens/m);
    t.regex(done.stdout, /not run: the first check must pass first/);
    t.regex(
      done.stdout,
      /\n0 passed, \d+ failed \(\d+ of them not run: the first check must pass first\)$/,
    );
    noStackOfOurs(t, `${done.stdout}\n${done.stderr}`);
    t.deepEqual(leftRunning(file), [], 'every process it started is gone');
    // Only the copy with the port in its code listens on 8088 (the others run beside it).
    const left = listeners8088().filter((inode) => !before.includes(inode));
    if (what.includes('hard-coded'))
      t.deepEqual(left, [], 'nothing of its own still listens on 8088');
  });
}

test("Ctrl+C while a check waits: exit 130, and the student's program is gone too", async (t) => {
  const file = copy(t, (s) =>
    s.replace(
      'async function main() {',
      'async function main() {\n  await new Promise(() => setInterval(() => {}, 1000));',
    ),
  );
  const env = { KIT_CHECK_WAIT_MS: '30000', INIT_CWD: root }; // while the test presses Ctrl+C
  const run = program(t, 'node', [await cli, '01', file, '--no-types'], { env });
  await new Promise((begun) => run.stdout.once('data', begun)); // its first line
  await until(() => (leftRunning(file).length ? 'running' : ''), 'running', "the student's file");
  run.kill('SIGINT');
  const done = await run;
  t.is(done.exitCode, 130);
  t.regex(done.stdout, /stopped by SIGINT: nothing it started is left running/);
  t.deepEqual(leftRunning(file), []);
});

test('Ctrl+C during the type check: exit 130, and no tsc is left running', async (t) => {
  // New content, so that no cached result spares the type check (it is kept by content).
  const file = copy(t, (s) => `${s}\n// ${process.pid}-${Date.now()}\n`);
  const env = { KIT_CHECK_WAIT_MS: '30000', INIT_CWD: root };
  const run = program(t, 'node', [await cli, '01', file], { env });
  const folder = dirname(file);
  await until(() => (typesRunning(folder).length ? 'tsc' : ''), 'tsc', 'the type check');
  run.kill('SIGINT');
  const done = await run;
  t.is(done.exitCode, 130);
  t.deepEqual(typesRunning(folder), [], 'the type check is stopped with the rest');
});
