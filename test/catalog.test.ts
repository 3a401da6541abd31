/**
 * The catalog: scripts, their headers, lessons, tests and the README index agree, both ways.
 */
import { readdirSync } from 'node:fs';
import test from 'ava';
import { MARKER } from '../check/exercises.ts';
import { read, root } from './harness.ts';

const TAGS = ['title', 'mirrors', 'pair', 'run', 'long'] as const;
const REQUIRED = ['title', 'mirrors', 'run'] as const;
const SECTIONS = [
  'Run it',
  'Transcript',
  'How it works',
  'Differences from the Python listing',
  'Try this',
];
/** Packages a script may import besides `node:` built-ins (each named by an issue). */
const ALLOWED_IMPORTS: string[] = [];
const MAX_LINES = 100;
const MAX_LINES_WITH_REASON = 150;
/** Past 150, each by a decision of its own. 29 is lesson 20's room with its rules unchanged (150
 * lines in 20) and a Redis client beside it: cutting the room would change the wire contract that
 * 29 keeps (issue 22). */
const LONGER: Record<string, number> = { '29-chat-room-redis': 260 };

const stems = (dir: string, ext: string) =>
  readdirSync(`${root}${dir}`)
    .filter((f) => /^\d\d-.+/.test(f) && f.endsWith(ext))
    .map((f) => f.slice(0, -ext.length))
    .sort();
const scripts = stems('scripts', '.ts');
const lessons = stems('lessons', '.md');
// test/redis/ holds what needs a redis-server (npm run test:redis): lesson 29's transcript.
const tests = ['test', 'test/redis']
  .flatMap((dir) =>
    readdirSync(`${root}${dir}`)
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => read(`${dir}/${f}`)),
  )
  .join('\n');

type Header = Partial<Record<(typeof TAGS)[number], string>> & { description: string };

function parseHeader(source: string, file: string): Header {
  const doc = /^\/\*\*\n([\s\S]*?)\n \*\//.exec(source)?.[1];
  if (!doc) throw new Error(`${file} does not open with a /** … */ header`);
  const header: Header = { description: '' };
  for (const raw of doc.split('\n')) {
    const line = raw.replace(/^ \*( |$)/, '');
    const tag = /^@(\w+)\s+(.*)$/.exec(line);
    if (!tag) {
      header.description += `${line}\n`;
      continue;
    }
    const [, name = '', value = ''] = tag;
    if (!(TAGS as readonly string[]).includes(name))
      throw new Error(`${file}: unknown tag @${name}`);
    header[name as (typeof TAGS)[number]] = value.trim();
  }
  header.description = header.description.trim();
  return header;
}

const headers = new Map(
  scripts.map((s) => [s, parseHeader(read(`scripts/${s}.ts`), `scripts/${s}.ts`)]),
);

/** README index rows: `| NN | [title](lessons/stem.md) | mirrors | pair | [file](scripts/file) |` */
const readmeRows = new Map(
  [
    ...read('README.md').matchAll(
      /^\| *(\d\d) *\| *\[(.+?)\]\(lessons\/(.+?)\.md\) *\| *(.+?) *\|.*\|$/gm,
    ),
  ].map(
    ([, , title = '', stem = '', mirrors = '']): [string, { title: string; mirrors: string }] => [
      stem,
      { title, mirrors },
    ],
  ),
);

test('every script has a lesson and every lesson a script', (t) => {
  t.true(scripts.length > 0);
  t.deepEqual(lessons, scripts);
});

test('script numbers are unique', (t) => {
  const numbers = scripts.map((s) => s.slice(0, 2));
  t.deepEqual([...new Set(numbers)], numbers);
});

test('every script opens with a complete header', (t) => {
  for (const [stem, header] of headers) {
    for (const tag of REQUIRED) t.truthy(header[tag], `${stem}: @${tag} is missing`);
    t.truthy(header.description, `${stem}: the header has no description`);
    t.true(
      header.run?.startsWith(`npx tsx scripts/${stem}.ts`),
      `${stem}: @run must start with "npx tsx scripts/${stem}.ts"`,
    );
  }
});

test('pairs name each other both ways', (t) => {
  for (const [stem, header] of headers) {
    for (const other of header.pair?.split(/\s+/) ?? []) {
      const partner = headers.get(other.replace(/\.ts$/, ''));
      t.truthy(partner, `${stem}: @pair ${other} does not exist`);
      t.true(
        partner?.pair?.split(/\s+/).includes(`${stem}.ts`),
        `${other} does not name ${stem}.ts back in its @pair`,
      );
    }
  }
});

test('scripts are small, self-contained and import only node: built-ins', (t) => {
  for (const stem of scripts) {
    const source = read(`scripts/${stem}.ts`);
    const max = LONGER[stem] ?? (headers.get(stem)?.long ? MAX_LINES_WITH_REASON : MAX_LINES);
    // The marker lines of an exercise (check/exercises.ts) are not the script's: not counted.
    const count = source
      .trimEnd()
      .split('\n')
      .filter((line) => !MARKER.test(line)).length;
    t.true(count <= max, `${stem}.ts has ${count} lines (at most ${max}; @long gives a reason)`);
    for (const [, from = ''] of source.matchAll(/^import .* from '(.+)';$/gm)) {
      t.true(
        from.startsWith('node:') || ALLOWED_IMPORTS.includes(from),
        `${stem}.ts imports ${from}`,
      );
    }
  }
});

test('every lesson has its title, the section it mirrors, and the sections in order', (t) => {
  for (const stem of lessons) {
    const text = read(`lessons/${stem}.md`);
    const header = headers.get(stem);
    t.is(text.split('\n')[0], `# ${stem.slice(0, 2)} · ${header?.title}`, `${stem}: title`);
    const section = header?.mirrors?.replace(/ (server|client)$/, '') ?? '';
    t.true(text.includes(`**${section}**`), `${stem}.md does not name **${section}**`);
    const found = [...text.matchAll(/^## (.+)$/gm)].map(([, h]) => h);
    t.deepEqual(found, SECTIONS, `${stem}.md sections`);
    if (stem.endsWith('-server')) {
      t.regex(text, /```mermaid\nsequenceDiagram/, `${stem}.md has no sequence diagram`);
    }
  }
});

test('the README index lists every lesson, with its header title and section', (t) => {
  t.deepEqual([...readmeRows.keys()].sort(), scripts, 'README rows against scripts/');
  for (const [stem, row] of readmeRows) {
    t.is(headers.get(stem)?.title, row.title, `README title of ${stem}`);
    t.is(headers.get(stem)?.mirrors, row.mirrors, `README "mirrors" of ${stem}`);
  }
});

test('every lesson transcript is checked against a real run, every script is tested', (t) => {
  for (const stem of lessons) {
    t.true(tests.includes(`checkTranscript(t, '${stem}'`), `no test checks ${stem}'s transcript`);
    t.true(tests.includes(`${stem}.ts`), `no test runs ${stem}.ts`);
  }
});
