/**
 * The exercises (check/exercises.ts) are cut from the scripts as they are now: every starter, every
 * kept solution and the list in exercises/ is what `npm run exercises -- build` would write, every
 * exercise has its marked region and a check set, and the marker lines pair up. Every exercise has
 * its words in Chinese too (`zh`, for the Chinese site), in the glossary's words.
 */
import { readdirSync } from 'node:fs';
import test from 'ava';
import { built } from '../check/build.ts';
import { region } from '../check/exercises.ts';
import { exercises, sets } from '../check/sets/index.ts';
import { setAside } from './glossary.ts';
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

test("every exercise has its title, task and hints in Chinese, in the glossary's words", (t) => {
  const banned = setAside();
  const code = (text: string) => [...new Set(text.match(/`[^`]*`/g))].sort();
  for (const ex of exercises) {
    const { zh } = ex;
    if (!zh) {
      t.fail(`${ex.id} has no zh: its title, task and hints in Chinese (lessons/zh/GLOSSARY.md)`);
      continue;
    }
    t.true(zh.title.length > 0 && zh.task.length > 0, ex.id);
    t.is(zh.hints.length, ex.hints.length, `${ex.id}: as many hints in Chinese as in English`);
    const pairs: [string, string, string][] = [
      ['title', ex.title, zh.title],
      ['task', ex.task, zh.task],
      ...ex.hints.map((hint, i): [string, string, string] => [
        `hint ${i + 1}`,
        hint,
        zh.hints[i] ?? '',
      ]),
    ];
    for (const [what, english, chinese] of pairs) {
      t.regex(chinese, /\p{Script=Han}/u, `${ex.id}: its ${what} in Chinese`);
      // Code, commands and identifiers in backticks stay as the English has them.
      t.deepEqual(code(chinese), code(english), `${ex.id}: the \`code\` of its ${what}`);
      for (const word of banned)
        t.false(
          chinese.includes(word),
          `${ex.id}'s ${what} uses ${word}: see lessons/zh/GLOSSARY.md`,
        );
    }
  }
});
