/**
 * `npm run test:checker`: the checker is checked (a CI step of its own: it runs every check set
 * several times, more than `npm test`'s budget). For every lesson set: the kit's own script
 * passes every check. For every exercise: its starter fails, and a worked solution (the script,
 * or the kept one for an exercise with extra behaviour) passes, its extra checks too. For every
 * classic wrong solution: the check it names fails, saying what it should.
 *
 *   npm run test:checker                 all of it
 *   npm run test:checker -- --match '*16*'
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import avaTest, { type ExecutionContext } from 'ava';
import { type Check, type CheckSet, type Result, runSet, type Wrong } from '../../check/checks.ts';
import { type Exercise, solution, starter } from '../../check/exercises.ts';
import { exercises, sets, wrongs } from '../../check/sets/index.ts';
import { typeErrors } from '../../check/typecheck.ts';
import { limited, read, scriptPath, tempFolder } from '../harness.ts';

/** ava starts every test of a file at once: here that is a hundred check runs, each starting a
 * few programs. Two a core at a time, so that each gets the machine its waits were made for. */
const turn = limited(2 * availableParallelism());
const test = (title: string, body: (t: ExecutionContext) => Promise<unknown>) =>
  avaTest(title, (t) => turn(() => body(t)));

/** Write `source` as a student's file in a folder removed when the test ends. */
function asFile(t: ExecutionContext, name: string, source: string) {
  const file = join(tempFolder(t, 'checker'), name);
  writeFileSync(file, source);
  return file;
}

const line = (r: Result) =>
  r.miss
    ? `✘ ${r.check.name}: sent ${r.miss.sent}; expected ${r.miss.expected}; got ${r.miss.got}`
    : `✔ ${r.check.name}`;
const setOf = (lesson: string) => sets.find((s) => s.lesson === lesson) as CheckSet;
const withExtra = (set: CheckSet, extra: Check[] = []) => ({
  ...set,
  checks: [...set.checks, ...extra],
});

for (const set of sets) {
  test(`${set.lesson}: the kit's ${set.script} passes every check`, async (t) => {
    const results = await runSet(set, scriptPath(set.script));
    t.true(
      results.every((r) => !r.miss),
      results
        .filter((r) => r.miss)
        .map(line)
        .join('\n'),
    );
  });
}

for (const ex of exercises as Exercise[]) {
  test(`${ex.lesson}: exercise ${ex.id}, unsolved, fails`, async (t) => {
    const file = asFile(t, `${ex.id}.ts`, starter(ex));
    const results = await runSet(withExtra(setOf(ex.lesson), ex.extra), file);
    t.true(
      results.some((r) => r.miss),
      'the starter passed every check',
    );
  });
  test(`${ex.lesson}: exercise ${ex.id}, solved, passes`, async (t) => {
    const source = solution(ex) ?? read(`scripts/${ex.script}`);
    t.truthy(source, `exercise ${ex.id} has extra checks but no exercises/solutions/${ex.id}.ts`);
    const file = asFile(t, `${ex.id}.ts`, source);
    const results = await runSet(withExtra(setOf(ex.lesson), ex.extra), file);
    t.true(
      results.every((r) => !r.miss),
      results
        .filter((r) => r.miss)
        .map(line)
        .join('\n'),
    );
  });
}

for (const wrong of wrongs as Wrong[]) {
  test(`${wrong.lesson}: a wrong solution, ${wrong.what}, fails as it should`, async (t) => {
    const set = setOf(wrong.lesson);
    let source = read(`scripts/${set.script}`);
    for (const [from, to] of wrong.edits) {
      t.true(source.includes(from), `scripts/${set.script} no longer has ${JSON.stringify(from)}`);
      source = source.replace(from, to);
    }
    const results = await runSet(set, asFile(t, set.script, source));
    const failing = results.find((r) => r.check.name.includes(wrong.fails));
    t.truthy(failing, `no check named like "${wrong.fails}"`);
    t.truthy(failing?.miss, `"${failing?.check.name}" passed`);
    t.regex(failing?.miss ? line(failing) : '', wrong.says);
  });
}

test("type errors in a copy are found with their lines, by the kit's own typescript", async (t) => {
  const source = read('scripts/01-tcp-server.ts');
  t.deepEqual(await typeErrors(asFile(t, '01-tcp-server.ts', source)), [], "the kit's 01 has none");
  const broken = `${source}\nconst answer: number = 'forty-two';\n`;
  const [error, ...more] = await typeErrors(asFile(t, '01-tcp-server.ts', broken));
  t.is(more.length, 0);
  t.is(error?.line, source.split('\n').length + 1);
  t.regex(error?.message ?? '', /^TS2322: Type 'string' is not assignable to type 'number'/);
});
