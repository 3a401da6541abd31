/**
 * `npm run site`: the kit as a static site in dist/site/, in English and in Chinese (dist/site/zh/),
 * built from the files as they are, so that nothing about a lesson is written twice:
 *
 * - index.html, from README.md (zh/index.html from README.zh.md), listing the lessons (the
 *   tutorial's, then the kit's own);
 * - a page per lesson, lessons/NN-*.md (lessons/zh/NN-*.md) beside its whole script, the same
 *   script in both languages, and the lesson's exercises;
 * - exercises.html and a page per exercise (check/sets/index.ts, its starter in exercises/);
 * - teaching.html (TEACHING.md, in English only), zh/glossary.html.
 *
 * Every page has a switch to the same page in the other language; site.js remembers the choice,
 * and a browser whose first language is Chinese opens the Chinese pages when no choice was made.
 *
 * It opens from the file system with no network: no CDN, no web font, no fetch(), and only
 * classic scripts (assets/site.js, and mermaid's one-file bundle on pages with a diagram), since
 * a browser refuses ES modules from file://.
 *
 * Its packages (marked, shiki, mermaid: about 180 MB, nearly all of it mermaid's) are kept out of
 * the kit's package.json so that a student's `npm install` never fetches them: the first build
 * installs them into site/node_modules from site/package-lock.json, and again when that changes.
 */
import { execSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MarkedExtension, Token, Tokens } from 'marked';
import type { ShikiTransformer } from 'shiki';
import type { Exercise } from '../check/exercises.ts';
import { exercises as allExercises } from '../check/sets/index.ts';
import { type Lang, langs } from './words.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/site/`;
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');
const has = (path: string) => existsSync(`${root}${path}`);

installPackages();
const { Marked } = await import('marked');
const { createHighlighter } = await import('shiki');
const themes = { light: 'github-light', dark: 'github-dark' };
const shiki = await createHighlighter({
  themes: Object.values(themes),
  langs: ['typescript', 'shellscript'],
});

interface Lesson {
  stem: string;
  lang: Lang;
  /** Its page, as a path inside dist/site/. */
  path: string;
  title: string;
  mirrors: string;
  run: string;
  pairs: string[];
  markdown: string;
  source: string;
}

const [english, chinese] = langs as [Lang, Lang];
const other = (lang: Lang) => (lang === english ? chinese : english);
const lessonsIn = new Map(langs.map((lang) => [lang, loadLessons(lang)]));
const lessonOf = (lang: Lang, stem: string) =>
  lessonsIn.get(lang)?.find((l) => l.stem === stem) ??
  lessonsIn.get(english)?.find((l) => l.stem === stem);

/** The exercises whose starter file is there (`npm run exercises -- build` writes them). */
const exercises = allExercises.filter((ex) => {
  if (has(`exercises/${ex.id}.ts`)) return true;
  console.warn(`left out exercise ${ex.id}: no exercises/${ex.id}.ts (npm run exercises -- build)`);
  return false;
});
const exercisePath = (lang: Lang, ex: Exercise) => `${lang.dir}exercise-${ex.id}.html`;
/** An exercise's title, task and hints in `lang` (every exercise has them in Chinese too). */
const wordsOf = (lang: Lang, ex: Exercise) => (lang.code === 'en' ? ex : ex[lang.code]);
/** An exercise's title on a page of `lang`, in a `tag` element. */
const titleIn = (tag: string, lang: Lang, ex: Exercise) =>
  `<${tag}>${escapeHtml(wordsOf(lang, ex).title)}</${tag}>`;
const exercisesOf = (stem: string) => exercises.filter((ex) => ex.lesson === stem.slice(0, 2));

/** Markdown pages beside the lessons, each in one language: each file that is there. */
const docs = [
  { file: 'TEACHING.md', path: 'teaching.html', lang: english },
  { file: 'lessons/zh/GLOSSARY.md', path: 'zh/glossary.html', lang: chinese },
].filter((doc) => has(doc.file));

rmSync(out, { recursive: true, force: true });
mkdirSync(`${out}assets`, { recursive: true });
mkdirSync(`${out}zh`, { recursive: true });
copyFileSync(`${here}site.css`, `${out}assets/site.css`);
copyFileSync(`${here}site.js`, `${out}assets/site.js`);
copyFileSync(`${here}node_modules/mermaid/dist/mermaid.min.js`, `${out}assets/mermaid.min.js`);
for (const lang of langs) {
  const lessons = lessonsIn.get(lang) ?? [];
  write(`${lang.dir}index.html`, indexPage(lang));
  lessons.forEach((lesson, i) => {
    write(lesson.path, lessonPage(lesson, lessons[i - 1], lessons[i + 1]));
  });
  write(`${lang.dir}exercises.html`, exercisesPage(lang));
  exercises.forEach((ex, i) => {
    write(exercisePath(lang, ex), exercisePage(lang, ex, exercises[i - 1], exercises[i + 1]));
  });
}
for (const doc of docs) write(doc.path, docPage(doc));
console.log(
  `built ${langs.map((l) => `${lessonsIn.get(l)?.length} lessons in ${l.name}`).join(', ')}, ` +
    `${exercises.length} exercises, into dist/site/: open dist/site/index.html`,
);

function write(path: string, html: string) {
  writeFileSync(`${out}${path}`, html);
}

/** Every lesson of `lang` that has its script, in number order; the others are named and left out. */
function loadLessons(lang: Lang): Lesson[] {
  const stems = (dir: string, ext: string) =>
    readdirSync(`${root}${dir}`)
      .filter((f) => /^\d\d-.+/.test(f) && f.endsWith(ext))
      .map((f) => f.slice(0, -ext.length))
      .sort();
  const scripts = stems('scripts', '.ts');
  const withLesson = has(lang.lessons) ? stems(lang.lessons, '.md') : [];
  for (const stem of scripts.filter((s) => !withLesson.includes(s)))
    console.warn(`left out scripts/${stem}.ts in ${lang.name}: no ${lang.lessons}/${stem}.md yet`);
  for (const stem of withLesson.filter((s) => !scripts.includes(s)))
    console.warn(`left out ${lang.lessons}/${stem}.md: it has no scripts/${stem}.ts yet`);
  return scripts
    .filter((stem) => withLesson.includes(stem))
    .map((stem) => {
      const source = read(`scripts/${stem}.ts`);
      const markdown = read(`${lang.lessons}/${stem}.md`);
      // The header's tags, as the catalog test reads them: ` * @tag value`.
      const doc = /^\/\*\*\n([\s\S]*?)\n \*\//.exec(source)?.[1] ?? '';
      const tag = (name: string) => new RegExp(`^ \\* @${name}\\s+(.*)$`, 'm').exec(doc)?.[1];
      const heading = /^# (?:\d\d · )?(.*)$/m.exec(markdown)?.[1];
      return {
        stem,
        lang,
        path: `${lang.dir}${stem}.html`,
        source,
        markdown,
        // A translation's title is its own heading; the English one is the script's @title.
        title: (lang === english ? tag('title') : heading) ?? heading ?? stem,
        mirrors: lang.w.mirrors(tag('mirrors') ?? ''),
        run: tag('run') ?? `npx tsx scripts/${stem}.ts`,
        pairs: (tag('pair') ?? '').split(/\s+/).flatMap((p) => (p ? [p.replace(/\.ts$/, '')] : [])),
      };
    });
}

function indexPage(lang: Lang): string {
  const { w } = lang;
  const path = `${lang.dir}index.html`;
  const lessons = lessonsIn.get(lang) ?? [];
  const ctx: Context = { lang, page: path, from: '' };
  const readme = read(lang.readme);
  const title = /^# (.*)$/m.exec(readme)?.[1] ?? w.site;
  const intro = /^# .*\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
  // The README's words on the lessons, less its own table of them (the groups below replace it):
  // the section whose table lists the lessons.
  const sections = readme.split(/^(?=## )/m).slice(1);
  const about = sections.find((s) => /^\|.*\]\(lessons\//m.test(s))?.replace(/^## .*\n/, '') ?? '';
  // Every lesson there is, in this language or else in English, marked so.
  const rows = (lessonsIn.get(english) ?? []).map((l) => lessonOf(lang, l.stem) ?? l);
  const row = (l: Lesson) =>
    `<tr><td>${l.stem.slice(0, 2)}</td><td><a href="${href(path, l.path)}">${escapeHtml(l.title)}</a>` +
    `${l.lang === lang ? '' : `<span lang="${lang.html}">${w.inEnglish}</span>`}</td>` +
    `<td>${escapeHtml(l.lang === lang ? l.mirrors : lang.w.mirrors(l.mirrors))}</td>` +
    `<td>${w.list(l.pairs.map((p) => link(p, p.slice(0, 2), ctx))) || '–'}</td>` +
    `<td><code>${l.stem}.ts</code></td></tr>`;
  const group = (heading: string, rows: Lesson[]) =>
    rows.length === 0
      ? ''
      : `<section class="group"><h2>${heading}</h2><div class="table"><table><thead><tr>` +
        `${w.columns.map((c) => `<th>${c}</th>`).join('')}</tr></thead>` +
        `<tbody>${rows.map(row).join('')}</tbody></table></div></section>`;
  // TEACHING.md, marked English on a page in another language; the glossary, where there is one.
  const teaching = docs.find((d) => d.file === 'TEACHING.md');
  const glossary = docs.find((d) => d.file.endsWith('GLOSSARY.md') && d.lang === lang);
  const item = (to: string, text: string, marker = '') =>
    `<li><a href="${href(path, to)}">${escapeHtml(text)}</a>${marker}</li>`;
  const more = [
    item(`${lang.dir}exercises.html`, w.exercises, escapeHtml(w.allExercises(exercises.length))),
    teaching ? item(teaching.path, w.teaching, teaching.lang === lang ? '' : w.inEnglish) : '',
    glossary && w.glossary ? item(glossary.path, w.glossary) : '',
  ];
  const body =
    `<main class="index"><h1>${escapeHtml(title)}</h1>${markdown(intro, ctx)}` +
    group(
      w.groups.tutorial,
      rows.filter((l) => l.stem < '16'),
    ) +
    group(
      w.groups.beyond,
      rows.filter((l) => l.stem >= '16'),
    ) +
    `${markdown(about.replace(/^\|.*\n/gm, ''), ctx)}` +
    `<section class="more"><h2>${w.more}</h2><ul>${more.join('')}</ul></section></main>`;
  return page({
    lang,
    path,
    title,
    body,
    twin: `${other(lang).dir}index.html`,
    next: toLesson(path, lessons[0], (t) => `${t} →`),
  });
}

function lessonPage(lesson: Lesson, prev?: Lesson, next?: Lesson): string {
  const { lang, path } = lesson;
  const { w } = lang;
  const ctx: Context = { lang, page: path, from: lang.lessons, source: lesson.source };
  const pairs = lesson.pairs.map((p) => link(p, `${p}.ts`, ctx, ' class="pair"'));
  const own = exercisesOf(lesson.stem);
  const exerciseList =
    own.length === 0
      ? ''
      : `<section class="exercises"><h2 id="exercises">${w.exercises}</h2><p>${w.lessonExercises}</p><ul>` +
        own
          .map(
            (ex) =>
              `<li><a href="${href(path, exercisePath(lang, ex))}"><code>${ex.id}</code></a>: ` +
              `${titleIn('span', lang, ex)}</li>`,
          )
          .join('') +
        '</ul></section>';
  const body =
    `<main class="lesson"><article class="prose">${markdown(lesson.markdown, ctx)}${exerciseList}</article>` +
    codePanel(lang, {
      label: w.theScript,
      file: `scripts/${lesson.stem}.ts`,
      source: lesson.source,
      run: lesson.run,
      extra: pairs.length ? `<p>${w.runsWith(pairs)}</p>` : '',
    }) +
    '</main>';
  const twin = lessonsIn.get(other(lang))?.find((l) => l.stem === lesson.stem);
  return page({
    lang,
    path,
    title: `${lesson.stem.slice(0, 2)} · ${lesson.title}`,
    body,
    twin: twin?.path,
    prev: toLesson(path, prev, (t) => `← ${t}`) ?? {
      href: 'index.html',
      short: w.all.short,
      long: w.all.long,
    },
    next: toLesson(path, next, (t) => `${t} →`),
    mermaid: lesson.markdown.includes('```mermaid'),
  });
}

/** The list of every exercise, and how to do one. */
function exercisesPage(lang: Lang): string {
  const { w } = lang;
  const path = `${lang.dir}exercises.html`;
  const ctx: Context = { lang, page: path, from: '' };
  const rows = exercises.map((ex) => {
    const lesson = exerciseLesson(lang, ex);
    return (
      `<tr><td><a href="${href(path, exercisePath(lang, ex))}"><code>${ex.id}</code></a></td>` +
      `<td>${lesson ? `<a href="${href(path, lesson.path)}" title="${escapeHtml(lesson.title)}">${ex.lesson}</a>` : ex.lesson}</td>` +
      `${titleIn('td', lang, ex)}</tr>`
    );
  });
  const body =
    `<main class="index"><h1>${w.exercises}</h1>${markdown(w.exercisesIntro, ctx)}` +
    markdown(
      `\`\`\`sh\n${commands(lang, exercises[0]?.id ?? 'ID', exercises[0]?.lesson ?? 'NN')}\`\`\``,
      ctx,
    ) +
    `<div class="table"><table><thead><tr>${w.exercisesColumns.map((c) => `<th>${c}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div></main>`;
  return page({
    lang,
    path,
    title: w.exercises,
    body,
    twin: `${other(lang).dir}exercises.html`,
    prev: { href: 'index.html', short: w.all.short, long: w.all.long },
    next: exercises[0] && toExercise(lang, exercises[0], (t) => `${t} →`),
  });
}

/** One exercise: its task and hints beside its starter file, the TODO marked. */
function exercisePage(lang: Lang, ex: Exercise, prev?: Exercise, next?: Exercise): string {
  const { w } = lang;
  const path = exercisePath(lang, ex);
  const starter = read(`exercises/${ex.id}.ts`);
  const ctx: Context = { lang, page: path, from: 'exercises', source: starter };
  const lesson = exerciseLesson(lang, ex);
  const lessonLink = lesson ? `[${lesson.title}](${lesson.lang.lessons}/${lesson.stem}.md)` : '';
  const scriptLink = `[\`${ex.script}\`](scripts/${ex.script})`;
  // The TODO's lines, and the marker lines around it.
  const lines = starter.split('\n');
  const first = lines.findIndex((l) => l.trim() === `// -- exercise ${ex.id} --`) + 1;
  const last = lines.findIndex((l) => l.trim() === `// -- end of exercise ${ex.id} --`) + 1;
  const todo = first > 0 ? new Set(range(first, Math.max(first, last))) : new Set<number>();
  // English on a page in another language is marked so: the names of the checks.
  const inEnglish = (html: string) => (lang === english ? html : `<div lang="en">${html}</div>`);
  const own = wordsOf(lang, ex);
  const extra = ex.extra?.map((c) => `- ${c.name}`).join('\n');
  const inRoot = { ...ctx, from: '' };
  const body =
    `<main class="lesson"><article class="prose">` +
    `<h1>${w.exercise} <code>${ex.id}</code></h1>` +
    `<p class="lead">${escapeHtml(own.title)}</p>` +
    markdown(w.cutFrom(ex.lesson, lessonLink, scriptLink), inRoot) +
    `<h2 id="task">${w.task}</h2>${markdown(own.task, ctx)}` +
    `<h2 id="hints">${w.hints}</h2>` +
    own.hints
      .map(
        (hint, i) =>
          `<details class="hint"><summary>${w.hint(i + 1)}</summary>${markdown(hint, ctx)}</details>`,
      )
      .join('') +
    `<h2 id="check">${w.commands}</h2>` +
    markdown(`\`\`\`sh\n${commands(lang, ex.id, ex.lesson)}\`\`\`\n\n${w.passes(ex.id)}`, ctx) +
    (extra ? `<p>${w.ownChecks}</p>${inEnglish(markdown(extra, ctx))}` : '') +
    '</article>' +
    codePanel(lang, {
      label: w.theStarter,
      file: `exercises/${ex.id}.ts`,
      source: starter,
      run: `npm run exercises -- check ${ex.id}`,
      marked: todo,
    }) +
    '</main>';
  return page({
    lang,
    path,
    title: `${w.exercise} ${ex.id}`,
    body,
    twin: exercisePath(other(lang), ex),
    prev: (prev && toExercise(lang, prev, (t) => `← ${t}`)) ?? {
      href: 'exercises.html',
      short: `← ${w.exercises}`,
      long: `← ${w.exercises}`,
    },
    next: next && toExercise(lang, next, (t) => `${t} →`),
  });
}

function exerciseLesson(lang: Lang, ex: Exercise) {
  return lessonOf(lang, ex.script.replace(/\.ts$/, ''));
}

/** The commands of an exercise, each with what it does, lined up. */
function commands(lang: Lang, id: string, lesson: string): string {
  const said = lang.w.said;
  const rows = [
    [`npm run exercises -- start ${id}`, `${said.start}${id}.ts`],
    [`npm run exercises -- hint ${id}`, said.hint],
    [`npm run exercises -- check ${id}`, said.check(lesson)],
    [`npm run exercises -- solution ${id}`, said.solution],
  ];
  const width = Math.max(...rows.map(([cmd = '']) => cmd.length)) + 2;
  return rows.map(([cmd = '', what]) => `${cmd.padEnd(width)}# ${what}\n`).join('');
}

/** TEACHING.md and the glossary: a page of prose, in the index's column. */
function docPage(doc: (typeof docs)[number]): string {
  const { lang, path } = doc;
  const text = read(doc.file);
  const title = /^# (.*)$/m.exec(text)?.[1] ?? doc.file;
  const ctx: Context = { lang, page: path, from: posix.dirname(doc.file) };
  return page({
    lang,
    path,
    title,
    body: `<main class="index doc">${markdown(text, ctx)}</main>`,
    prev: { href: 'index.html', short: lang.w.all.short, long: lang.w.all.long },
  });
}

interface Link {
  href: string;
  short: string;
  long: string;
}

interface PageParts {
  lang: Lang;
  /** Where it is written, inside dist/site/. */
  path: string;
  title: string;
  body: string;
  /** The same page in the other language, when there is one; else the switch leads to its index. */
  twin?: string | undefined;
  /** Links relative to the page; the first lesson's `prev` is the index. */
  prev?: Link | undefined;
  next?: Link | undefined;
  mermaid?: boolean;
}

/** The frame of every page: the bars with the site's name, the language switch and the pager. */
function page({ lang, path, title, body, twin, prev, next, mermaid }: PageParts) {
  const { w } = lang;
  const up = (to: string) => href(path, to);
  const rel = (name: string, to?: Link) => (to ? `<link rel="${name}" href="${to.href}">\n` : '');
  const a = (name: string, to: Link | undefined, text: 'short' | 'long') =>
    to
      ? `<a rel="${name}" href="${to.href}" title="${escapeHtml(to.long)}">${escapeHtml(to[text])}</a>`
      : '';
  const pager = (text: 'short' | 'long') =>
    `<nav class="pager" aria-label="${w.lessons}">${a('prev', prev, text)}${a('next', next, text)}</nav>`;
  // The switch: this page in each language, or the other language's index if it has no twin.
  const switcher = langs
    .map((l) => {
      const label = `<span lang="${l.html}">${l.name}</span>`;
      if (l === lang) return `<strong aria-current="page">${label}</strong>`;
      const to = up(twin ?? `${l.dir}index.html`);
      return `<a href="${to}" hreflang="${l.html}" data-lang="${l.code}">${label}</a>`;
    })
    .join(' ');
  // Before anything is drawn: the same page in the language chosen before, or, with no choice
  // made, in Chinese for a browser whose first language is Chinese (site.js stores the choice).
  // Any other browser, with no choice made, stays on the page it was given.
  const choose = twin
    ? `<script>(() => { let chosen; try { chosen = localStorage.getItem('sockets-kit-lang'); } catch {}
const first = (navigator.languages?.[0] ?? navigator.language ?? '').toLowerCase();
const wanted = chosen ?? (first.startsWith('zh') ? 'zh' : undefined);
if (wanted && wanted !== '${lang.code}') location.replace(${JSON.stringify(up(twin))} + location.hash); })();</script>\n`
    : '';
  return `<!doctype html>
<html lang="${lang.html}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)}</title>
${choose}${rel('prev', prev)}${rel('next', next)}<link rel="stylesheet" href="${up('assets/site.css')}">
${mermaid ? `<script defer src="${up('assets/mermaid.min.js')}"></script>\n` : ''}<script defer src="${up('assets/site.js')}"></script>
</head>
<body>
<header class="bar"><a href="${up(`${lang.dir}index.html`)}">${w.site}</a><nav class="langs" aria-label="English / 中文">${switcher}</nav>${pager('short')}</header>
${body}
<footer class="bar">${pager('long')}<span class="keys">${w.keys}</span></footer>
</body>
</html>
`;
}

/** The script (or a starter) in its panel: the file whole, a button that copies it, and a
 * command with its own button; `marked` lines (an exercise's TODO) stand out. */
function codePanel(
  lang: Lang,
  p: {
    label: string;
    file: string;
    source: string;
    run: string;
    extra?: string;
    marked?: Set<number>;
  },
): string {
  const { w } = lang;
  const marks: ShikiTransformer = {
    code(node) {
      node.properties.id = 'source';
    },
    line(node, line) {
      node.properties.id = `L${line}`;
      if (p.marked?.has(line)) this.addClassToHast(node, 'marked');
    },
  };
  const code = shiki.codeToHtml(p.source, {
    lang: 'typescript',
    themes,
    defaultColor: false,
    transformers: [marks],
  });
  const button = (target: string, text: string) =>
    `<button type="button" data-copy="${target}" data-copied="${w.copied}" data-selected="${w.selected}">${text}</button>`;
  return (
    `<aside class="code" id="code" aria-label="${p.label}"><div class="code-head">` +
    `<p><strong>${p.file}</strong> ${button('source', w.copyFile)}</p>` +
    `<p class="run"><code id="run">${escapeHtml(p.run)}</code> ${button('run', w.copy)}</p>` +
    `${p.extra ?? ''}</div>${code}</aside>`
  );
}

function toLesson(from: string, l: Lesson | undefined, arrow: (text: string) => string) {
  const n = l?.stem.slice(0, 2);
  return (
    l && {
      href: href(from, l.path),
      short: arrow(`${n}`),
      long: arrow(`${n} · ${l.title}`),
    }
  );
}

function toExercise(lang: Lang, ex: Exercise, arrow: (text: string) => string): Link {
  return {
    href: href(lang.dir, exercisePath(lang, ex)),
    short: arrow(ex.id),
    long: arrow(`${ex.id} · ${wordsOf(lang, ex).title}`),
  };
}

/** The href from the page at `from` (a path inside dist/site/) to `to` (another). */
function href(from: string, to: string): string {
  const [path = '', hash] = to.split('#');
  const dir = from.endsWith('/') || from === '' ? from : posix.dirname(from);
  const relative = posix.relative(dir || '.', path) || posix.basename(path);
  return `${relative}${hash === undefined ? '' : `#${hash}`}`;
}

interface Context {
  lang: Lang;
  /** The page it goes into, inside dist/site/. */
  page: string;
  /** The folder of the file it comes from, inside the repository: its links start there. */
  from: string;
  /** The script whose declarations a `name` in the text links to. */
  source?: string;
}

/** Markdown to HTML, its relative links leading to where those files are on the site. */
function markdown(text: string, ctx: Context): string {
  const declared = new Map(
    (ctx.source?.split('\n') ?? []).flatMap((line, i): [string, number][] => {
      const name = /^(?:export )?(?:(?:async )?function\*? (\w+)|(?:const|let) (\w+) =)/.exec(line);
      return name ? [[name[1] ?? name[2] ?? '', i + 1]] : [];
    }),
  );
  const slugs = new Map<string, number>();
  const inTables = new WeakSet<Token>();
  const extension: MarkedExtension = {
    walkTokens(token) {
      if (token.type !== 'table') return;
      for (const cell of [...token.header, ...token.rows.flat()])
        for (const t of cell.tokens) inTables.add(t);
    },
    hooks: {
      processAllTokens: terminals,
      postprocess: (html) =>
        html.replace(/<table>[\s\S]*?<\/table>/g, '<div class="table">$&</div>'),
    },
    extensions: [
      {
        name: 'terminals',
        renderer(token) {
          return renderTerminals(token as Terminals, (t) => this.parser.parseInline(t));
        },
      },
    ],
    renderer: {
      heading({ tokens, depth, text }) {
        // GitHub's anchors, so that links like 06-tcp-multi-server.md#how-it-works keep working.
        const base = text
          .toLowerCase()
          .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
          .replace(/ /g, '-');
        const seen = slugs.get(base) ?? 0;
        slugs.set(base, seen + 1);
        const id = seen ? `${base}-${seen}` : base;
        return `<h${depth} id="${id}">${this.parser.parseInline(tokens)}</h${depth}>\n`;
      },
      image({ href, text }) {
        return `<img src="${escapeHtml(copyAsset(href, ctx))}" alt="${escapeHtml(text)}">`;
      },
      link({ href, tokens }) {
        return `<a href="${escapeHtml(siteHref(href, ctx))}">${this.parser.parseInline(tokens)}</a>`;
      },
      codespan(token) {
        const { text } = token;
        // `name()` or `name`, declared by the script, links to its line; but not a bare `listen`
        // in a script that also calls Node's `.listen`, nor `input()` in a table of Python calls.
        const [, name = '', call] = /^([A-Za-z_$][\w$]*)(\(\))?$/.exec(text) ?? [];
        const clear = call || !ctx.source?.includes(`.${name}`);
        const line = !inTables.has(token) && clear && declared.get(name);
        const html = `<code>${escapeHtml(text)}</code>`;
        return line ? `<a class="to-code" href="#L${line}">${html}</a>` : html;
      },
      code({ text, lang }) {
        if (lang === 'mermaid') return `<pre class="mermaid">${escapeHtml(text)}</pre>\n`;
        if (lang === 'sh')
          return shiki.codeToHtml(text, { lang: 'shellscript', themes, defaultColor: false });
        return `<pre class="plain"><code>${escapeHtml(text)}</code></pre>\n`;
      },
    },
  };
  return new Marked(extension).parse(text, { async: false });
}

interface Terminals extends Tokens.Generic {
  type: 'terminals';
  items: { caption?: Tokens.Paragraph; text: string }[];
}

/** Consecutive ```console blocks, each with the paragraph before it as its caption when that
 * ends in a colon (':', or the Chinese '：'), become one row of terminal windows. */
function terminals(tokens: Token[]): Token[] {
  const result: Token[] = [];
  const dropSpace = () => {
    while (result.at(-1)?.type === 'space') result.pop();
  };
  for (const token of tokens) {
    if (token.type !== 'code' || token.lang !== 'console') {
      result.push(token);
      continue;
    }
    dropSpace();
    const last = result.at(-1);
    const caption = last?.type === 'paragraph' && /[:：]\s*$/.test(last.raw) ? last : undefined;
    if (caption) result.pop();
    dropSpace();
    const row = result.at(-1);
    const item = { caption: caption as Tokens.Paragraph | undefined, text: token.text };
    if (row?.type === 'terminals') (row as Terminals).items.push(item);
    else result.push({ type: 'terminals', raw: '', items: [item] } as Terminals);
  }
  return result;
}

function renderTerminals(row: Terminals, inline: (tokens: Token[]) => string): string {
  const windows = row.items.map(({ caption, text }) => {
    const program = /scripts\/(\S+\.ts)/.exec(text.split('\n')[0] ?? '')?.[1] ?? 'terminal';
    const lines = text.split('\n').map((line) =>
      escapeHtml(line)
        .replace(/^\$ (.*)$/, '<span class="prompt">$ </span><span class="command">$1</span>')
        .replace(/&lt;[^&\s][^&]*?&gt;/g, '<var>$&</var>')
        .replace(/\^C$/, '<kbd>^C</kbd>'),
    );
    const label = caption ? `<figcaption>${inline(caption.tokens)}</figcaption>` : '';
    return `<figure class="terminal">${label}<div class="window"><div class="titlebar">${escapeHtml(program)}</div><pre><code>${lines.join('\n')}</code></pre></div></figure>`;
  });
  return `<div class="terminals">${windows.join('')}</div>\n`;
}

/** A link in a lesson, the README or another page's file, as it must be written in dist/site/:
 * to the page made from the file it names, in the page's language where there is one. */
function siteHref(link: string, ctx: Context): string {
  if (/^([a-z][a-z+.-]*:|#)/i.test(link)) return link;
  const [path = '', hash] = link.split('#');
  const target = posix.normalize(posix.join(ctx.from, path));
  const fragment = hash ? `#${hash}` : '';
  const page = sitePage(target, ctx.lang);
  // Any other file of the repository, where it lies (dist/site/ is two folders down).
  return href(
    ctx.page,
    page ? `${page.path}${page.hash ? page.hash : fragment}` : `../../${target}${fragment}`,
  );
}

/** The page of dist/site/ made from a file of the repository, if there is one. */
function sitePage(target: string, lang: Lang): { path: string; hash?: string } | undefined {
  const find = (l: Lang, pattern: RegExp) => {
    const stem = pattern.exec(target)?.[1];
    return stem ? lessonsIn.get(l)?.find((x) => x.stem === stem) : undefined;
  };
  const lesson =
    find(english, /^lessons\/(\d\d-[^/]+)\.md$/) ??
    find(chinese, /^lessons\/zh\/(\d\d-[^/]+)\.md$/);
  if (lesson) return { path: lesson.path };
  const script = /^scripts\/(\d\d-.+)\.ts$/.exec(target)?.[1];
  const scripted = script ? lessonOf(lang, script) : undefined;
  if (scripted) return { path: scripted.path, hash: '#code' };
  const ex = exercises.find((e) => `exercises/${e.id}.ts` === target);
  if (ex) return { path: exercisePath(lang, ex) };
  if (['exercises', 'exercises/README.md'].includes(target))
    return { path: `${lang.dir}exercises.html` };
  const readme = langs.find((l) => l.readme === target);
  if (readme) return { path: `${readme.dir}index.html` };
  const doc = docs.find((d) => d.file === target);
  return doc && { path: doc.path };
}

/** A picture beside a lesson, copied into dist/site/ under the same path, so that the site is whole. */
function copyAsset(link: string, ctx: Context): string {
  if (/^[a-z][a-z+.-]*:/i.test(link)) return link; // a page that loads it fails the browser test
  const target = posix.normalize(posix.join(ctx.from, link));
  if (has(target)) {
    mkdirSync(posix.dirname(`${out}${target}`), { recursive: true });
    copyFileSync(`${root}${target}`, `${out}${target}`);
  }
  return href(ctx.page, target);
}

/** A link to a lesson's page (in the page's language where it has one), its title on hover; to
 * the script, while it has no lesson. */
function link(stem: string, text: string, ctx: Context, attributes = ''): string {
  const lesson = lessonOf(ctx.lang, stem);
  const to = href(ctx.page, lesson ? lesson.path : `../../scripts/${stem}.ts`);
  return `<a href="${to}" title="${escapeHtml(lesson?.title ?? '')}"${attributes}>${escapeHtml(text)}</a>`;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** site/node_modules, from site/package-lock.json: on the first build and when the lock changes. */
function installPackages() {
  const lock = readFileSync(`${here}package-lock.json`, 'utf8');
  const stamp = `${here}node_modules/.installed-package-lock.json`;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === lock) return;
  console.log("installing the site's packages into site/node_modules (once)");
  execSync('npm ci --no-audit --no-fund --loglevel=error', { cwd: here, stdio: 'inherit' });
  writeFileSync(stamp, lock);
}
