/**
 * `npm run exercises`: the exercises, cut from the scripts (check/exercises.ts), for a student.
 *
 *   npm run exercises                   the list, each done or not
 *   npm run exercises -- start ID       copy its starter to my-exercises/ID.ts, to change there
 *   npm run exercises -- hint ID        the next hint
 *   npm run exercises -- check ID       check my-exercises/ID.ts (or a PATH after the ID)
 *   npm run exercises -- solution ID    the kit's own answer, once yours passes
 *   npm run exercises -- build          (for the kit) write exercises/ from the scripts again
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { root } from '../test/harness.ts';
import { built } from './build.ts';
import { type Exercise, region, solution, solutionFile, starterFile } from './exercises.ts';
import { checkFile, quit, studentFile } from './report.ts';
import { exercises, sets } from './sets/index.ts';

const MINE = `${root}my-exercises/`;
const PROGRESS = `${MINE}.progress.json`;
type Progress = Record<string, { hints?: number; passed?: string }>;
const progress = (): Progress => {
  if (!existsSync(PROGRESS)) return {};
  try {
    return JSON.parse(readFileSync(PROGRESS, 'utf8'));
  } catch {
    return quit('my-exercises/.progress.json is damaged: delete it (your files are kept)', 2);
  }
};
const save = (p: Progress) => {
  mkdirSync(MINE, { recursive: true });
  writeFileSync(PROGRESS, `${JSON.stringify(p, null, 2)}\n`);
};
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const mine = (ex: Exercise) => `${MINE}${ex.id}.ts`;

function find(id: string | undefined): Exercise {
  const ex = exercises.find((e) => e.id === id);
  if (!ex) quit(`no exercise '${id ?? ''}': \`npm run exercises\` lists them`, 2);
  return ex;
}

function status(ex: Exercise) {
  const passed = progress()[ex.id]?.passed;
  if (!existsSync(mine(ex))) return 'not started';
  if (passed && passed === sha(mine(ex))) return 'done';
  return passed ? 'changed since it passed' : 'not done';
}

const [command = 'list', id, path] = process.argv.slice(2);
// Output into a pipe that closed (`npm run exercises | head`): stop quietly. A check has its own
// way, which first kills what it started.
if (command !== 'check') process.stdout.on('error', () => process.exit(1));
switch (command) {
  case 'list': {
    const width = Math.max(...exercises.map((ex) => ex.id.length)) + 2;
    for (const ex of exercises) {
      console.log(`${ex.id.padEnd(width)}${status(ex).padEnd(25)}${ex.title}`);
    }
    const done = exercises.filter((ex) => status(ex) === 'done').length;
    console.log(`\n${done} of ${exercises.length} done. Start one: npm run exercises -- start ID`);
    break;
  }
  case 'start': {
    const ex = find(id);
    if (existsSync(mine(ex)) && path !== '--force')
      quit(
        `${relative(process.cwd(), mine(ex))} exists: your work is kept (add --force to start over)`,
        2,
      );
    mkdirSync(MINE, { recursive: true });
    copyFileSync(`${root}${starterFile(ex)}`, mine(ex));
    console.log(`my-exercises/${ex.id}.ts: ${ex.title}`);
    console.log(`Find the TODO, write it, then: npm run exercises -- check ${ex.id}`);
    break;
  }
  case 'hint': {
    const ex = find(id);
    const p = progress();
    const n = Math.min(p[ex.id]?.hints ?? 0, ex.hints.length - 1); // the hints shown so far
    const last = n === ex.hints.length - 1 ? ' (the last one: the lesson has the rest)' : '';
    console.log(`hint ${n + 1} of ${ex.hints.length}${last}: ${ex.hints[n]}`);
    p[ex.id] = { ...p[ex.id], hints: n + 1 };
    save(p);
    break;
  }
  case 'check': {
    const ex = find(id);
    const { file, shown } = path
      ? await studentFile(path)
      : await studentFile(
          relative(process.env.INIT_CWD ?? process.cwd(), mine(ex)),
          `start it first: npm run exercises -- start ${ex.id}`,
        );
    const set = sets.find((s) => s.lesson === ex.lesson);
    if (!set) quit(`lesson ${ex.lesson} has no checks`, 2);
    const failed = await checkFile({ set, file, shown, ...(ex.extra ? { extra: ex.extra } : {}) });
    if (!failed && file === mine(ex)) {
      const p = progress();
      p[ex.id] = { ...p[ex.id], passed: sha(file) };
      save(p);
      console.log(
        `exercise ${ex.id} done. The kit's answer: npm run exercises -- solution ${ex.id}`,
      );
    }
    process.exit(failed ? 1 : 0);
    break;
  }
  case 'solution': {
    const ex = find(id);
    if (status(ex) !== 'done') quit(`first make it pass: npm run exercises -- check ${ex.id}`, 1);
    const source = solution(ex) ?? readFileSync(`${root}scripts/${ex.script}`, 'utf8');
    const r = region(source, ex.id);
    console.log(
      `The kit's answer (scripts/${ex.script}${ex.extra ? `, in ${solutionFile(ex)}` : ''}):\n`,
    );
    console.log(r?.body.trimEnd() ?? '');
    break;
  }
  case 'build': {
    for (const [file, text] of built()) {
      mkdirSync(resolve(root, file, '..'), { recursive: true });
      writeFileSync(`${root}${file}`, text);
    }
    console.log(`wrote exercises/: ${exercises.length} starters, and the list`);
    break;
  }
  default:
    quit(`unknown command '${command}': list, start, hint, check, solution or build`, 2);
}
