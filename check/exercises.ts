/**
 * Exercises cut from the scripts themselves. A region of a script between two marker lines,
 *
 *     // -- exercise 16-decoder --
 *     …the code a student writes…
 *     // -- end of exercise 16-decoder --
 *
 * is replaced in the starter, `exercises/16-decoder.ts`, by a TODO and the task; the rest of the
 * file is the script as it is, so a change to the script changes its exercise (`npm run exercises
 * -- build`, and the suite fails until it is run). An exercise that adds behaviour the script does
 * not have (a private /msg in the room) marks an empty region where the code goes, and keeps its
 * worked solution in `exercises/solutions/ID.ts`: the script with that region filled in, kept in
 * step with the script the same way.
 */
import { existsSync, readFileSync } from 'node:fs';
import { root } from '../test/harness.ts';
import type { Check } from './checks.ts';

export interface Exercise {
  /** The lesson number and a word or two: '16-decoder'. Also the starter's file name. */
  id: string;
  /** The lesson whose script it is cut from, and whose checks it must pass: '16'. */
  lesson: string;
  /** The kit's script holding the marked region. */
  script: string;
  /** What to build, in a line: shown by `npm run exercises` and in the starter. */
  title: string;
  /** The task, a few lines: put in the starter in place of the region. */
  task: string;
  /** Hints, shown one at a time by `npm run exercises -- hint ID`. */
  hints: string[];
  /** Checks for behaviour the script itself does not have; then a solution file is kept. */
  extra?: Check[];
  /** The title, task and hints in Chinese, for the Chinese site (the glossary's words). */
  zh: { title: string; task: string; hints: string[] };
}

const begin = (id: string) => new RegExp(`^([ \\t]*)// -- exercise ${id} --\\n`, 'm');
const end = (id: string) => new RegExp(`^[ \\t]*// -- end of exercise ${id} --\\n`, 'm');
/** Any marker line: what the line limit of a script does not count. */
export const MARKER = /^[ \t]*\/\/ -- (?:end of )?exercise [\w-]+ --$/;

/** The region of `source` marked for exercise `id`: its start and end offsets and indent. */
export function region(source: string, id: string) {
  const b = begin(id).exec(source);
  const e = end(id).exec(source);
  if (!b || !e || e.index < b.index) return undefined;
  return {
    from: b.index + b[0].length,
    to: e.index,
    indent: b[1] ?? '',
    body: source.slice(b.index + b[0].length, e.index),
  };
}

/** The starter: the script with the region replaced by a TODO, the task and how to get a hint. */
export function starter(ex: Exercise, source = read(`scripts/${ex.script}`)): string {
  const r = region(source, ex.id);
  if (!r) throw new Error(`scripts/${ex.script} has no region marked for exercise ${ex.id}`);
  const say = (line: string) => `${r.indent}// ${line}`.trimEnd();
  const todo = [
    say(`TODO (exercise ${ex.id}): ${ex.title}`),
    ...ex.task.split('\n').map(say),
    say(`A hint: npm run exercises -- hint ${ex.id}. Done? npm run exercises -- check ${ex.id}`),
  ].join('\n');
  const head = `// Exercise ${ex.id}, cut from scripts/${ex.script}: lesson ${ex.lesson}. See exercises/README.md.\n`;
  const others = (
    text: string, // the marker lines of the script's other exercises go
  ) =>
    text
      .split('\n')
      .filter((line) => !MARKER.test(line) || line.includes(` exercise ${ex.id} --`))
      .join('\n');
  return `${head}${others(source.slice(0, r.from))}${todo}\n${others(source.slice(r.to))}`;
}

/** The solution of an exercise with extra behaviour: the current script, its region filled in
 * with the region of the kept solution file. */
export function solution(ex: Exercise, source = read(`scripts/${ex.script}`)): string | undefined {
  if (!ex.extra) return undefined;
  const kept = solutionFile(ex);
  const worked = existsSync(`${root}${kept}`) ? region(read(kept), ex.id) : undefined;
  const r = region(source, ex.id);
  if (!worked || !r) return undefined;
  return `${source.slice(0, r.from)}${worked.body}${source.slice(r.to)}`;
}

export const starterFile = (ex: Exercise) => `exercises/${ex.id}.ts`;
export const solutionFile = (ex: Exercise) => `exercises/solutions/${ex.id}.ts`;
const read = (relative: string) => readFileSync(`${root}${relative}`, 'utf8');
