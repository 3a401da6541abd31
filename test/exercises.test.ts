/**
 * The exercises (check/exercises.ts) are cut from the scripts as they are now: every starter, every
 * kept solution and the list in exercises/ is what `npm run exercises -- build` would write, every
 * exercise has its marked region and a check set, and the marker lines pair up.
 */
import { readdirSync } from 'node:fs';
import test from 'ava';
import { built } from '../check/build.ts';
import { region } from '../check/exercises.ts';
import { exercises, sets } from '../check/sets/index.ts';
import { read, root } from './harness.ts';

test('exercises/ is what npm run exercises -- build writes from the scripts', (t) => {
  for (const [file, text] of built()) {
    t.is(read(file), text, `${file} is out of date: run npm run exercises -- build`);
  }
  const written = new Set(built().keys());
  for (const f of readdirSync(`${root}exercises`).filter((f) => f.endsWith('.ts')))
    t.true(written.has(`exercises/${f}`), `exercises/${f} belongs to no exercise`);
});

test('every exercise has its region, a lesson with checks, a title, a task and hints', (t) => {
  const ids = exercises.map((ex) => ex.id);
  t.is(new Set(ids).size, ids.length, 'ids are unique');
  for (const ex of exercises) {
    t.truthy(region(read(`scripts/${ex.script}`), ex.id), `scripts/${ex.script} marks ${ex.id}`);
    t.truthy(
      sets.find((s) => s.lesson === ex.lesson && s.script === ex.script),
      ex.id,
    );
    t.true(ex.title.length > 0 && ex.task.length > 0 && ex.hints.length > 0, ex.id);
  }
});

test('marker lines in the scripts pair up, each with an exercise', (t) => {
  for (const f of readdirSync(`${root}scripts`)) {
    const source = read(`scripts/${f}`);
    for (const [, id] of source.matchAll(/^[ \t]*\/\/ -- exercise ([\w-]+) --$/gm)) {
      t.truthy(region(source, id ?? ''), `${f}: ${id} has no end marker after it`);
      t.truthy(
        exercises.find((ex) => ex.id === id),
        `${f}: ${id} is not in check/sets`,
      );
    }
  }
});
