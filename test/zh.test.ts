/**
 * The Chinese lessons (lessons/zh/) and README.zh.md: each names the version of the English file
 * it translates (its git blob hash, in its first line), and the suite fails, showing the English
 * diff since then, when the English changes and the Chinese is not brought along. Code,
 * commands and transcripts are the English lesson's, block for block (the English ones are run
 * for real by each pair's transcript test); links stay inside the Chinese pages; the glossary's
 * banned words never appear.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import test from 'ava';
import { setAside } from './glossary.ts';
import { read, root } from './harness.ts';

const lessons = readdirSync(`${root}lessons`).filter((f) => /^\d\d-.*\.md$/.test(f));
const twins: [string, string][] = [
  ...lessons.map((f): [string, string] => [`lessons/${f}`, `lessons/zh/${f}`]),
  ['README.md', 'README.zh.md'],
];
const HEADER = /^<!-- translated from (\S+) at git blob ([0-9a-f]{40}) -->\n/;
const SECTIONS = ['## 运行', '## 运行记录', '## 原理', '## 与 Python 代码的不同', '## 动手试试'];

/** Git's blob hash of a file's bytes: what `git hash-object FILE` prints. */
const blobOf = (bytes: Buffer) =>
  createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');

/** The English diff since the version a translation names, as far as git still has it. */
function since(blob: string, file: string): string {
  try {
    const old = execFileSync('git', ['cat-file', '-p', blob], { cwd: root, encoding: 'utf8' });
    const diff = execFileSync(
      'diff',
      ['-u', '--label', `${file} (translated)`, '--label', `${file} (now)`, '-', `${root}${file}`],
      {
        input: old,
        encoding: 'utf8',
      },
    ).toString();
    return diff;
  } catch (err) {
    const out = (err as { stdout?: string }).stdout;
    return out ? out : `(git no longer has blob ${blob}: compare by hand)`;
  }
}

for (const [english, chinese] of twins) {
  test(`${chinese} translates the English as it is now`, (t) => {
    t.true(existsSync(`${root}${chinese}`), `${english} has no Chinese twin ${chinese}`);
    const text = read(chinese);
    const m = HEADER.exec(text);
    t.truthy(
      m,
      `${chinese}: the first line must be <!-- translated from ${english} at git blob HASH -->`,
    );
    t.is(m?.[1], english);
    const now = blobOf(readFileSync(`${root}${english}`));
    if (m?.[2] !== now)
      t.fail(
        `${english} changed since ${chinese} was translated: bring the Chinese along, then set its blob to ${now} (git hash-object ${english}). What changed:\n${since(m?.[2] ?? '', english)}`,
      );
  });

  // Diagrams (mermaid) are translated; every other block stays as the English has it.
  test(`${chinese} has the English code, commands and transcripts, block for block`, (t) => {
    const blocks = (file: string) =>
      [...read(file).matchAll(/^```(\w+)\n[\s\S]*?^```$/gm)]
        .filter((b) => b[1] !== 'mermaid')
        .map((b) => b[0]);
    t.deepEqual(blocks(chinese), blocks(english));
  });

  test(`${chinese}: links resolve, and lead to Chinese pages`, (t) => {
    const text = read(chinese).replace(/^```[\s\S]*?^```$/gm, '');
    for (const [, target = ''] of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue; // a web address
      const path = normalize(join(dirname(chinese), target));
      t.true(existsSync(`${root}${path}`), `${chinese} links to ${target}, which does not exist`);
      // The one exception: the Chinese README links back to the English one (the language switch).
      if (chinese === 'README.zh.md' && path === 'README.md') continue;
      if (/^lessons\/[^/]+\.md$/.test(path) || path === 'README.md')
        t.fail(`${chinese} links to the English ${path}: link its Chinese twin`);
    }
  });
}

for (const f of lessons) {
  test(`lessons/zh/${f} has the lesson's sections, in order`, (t) => {
    const text = read(`lessons/zh/${f}`);
    t.regex(text.split('\n')[1] ?? '', /^# \d\d · \S/, 'the second line is the title, "# NN · …"');
    const at = SECTIONS.map((s) => text.indexOf(`\n${s}\n`));
    t.true(
      at.every((i, k) => i > 0 && (k === 0 || i > (at[k - 1] ?? 0))),
      `sections: ${at}`,
    );
  });
}

test('the glossary: no Chinese page uses a word it sets aside', (t) => {
  const banned = setAside();
  t.true(banned.length > 10);
  for (const [, chinese] of twins) {
    const text = existsSync(`${root}${chinese}`)
      ? read(chinese).replace(/^```[\s\S]*?^```$/gm, '')
      : '';
    for (const word of banned)
      t.false(text.includes(word), `${chinese} uses ${word}: see lessons/zh/GLOSSARY.md`);
  }
});

test('the English README and the Chinese one link to each other', (t) => {
  t.true(read('README.md').includes('(README.zh.md)'));
  t.true(read('README.zh.md').includes('(README.md)'));
});

test('the catalog both ways: every Chinese lesson has its English one, and README.zh.md lists each', (t) => {
  const chinese = readdirSync(`${root}lessons/zh`).filter((f) => /^\d\d-.*\.md$/.test(f));
  t.deepEqual(chinese, lessons, 'lessons/zh/ holds a twin of each lesson, and nothing else');
  const index = read('README.zh.md');
  for (const f of lessons) t.true(index.includes(`(lessons/zh/${f})`), `README.zh.md links ${f}`);
});
