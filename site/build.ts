/**
 * `npm run site`: the kit as a static site in dist/site/, built from lessons/*.md and scripts/*.ts
 * as they are, so nothing about a lesson is written twice. index.html lists the lessons (the
 * tutorial's, then the kit's own); each lesson's page puts its prose beside its whole script.
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

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/site/`;
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

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
  title: string;
  mirrors: string;
  run: string;
  pairs: string[];
  markdown: string;
  source: string;
}

const lessons = loadLessons();
const byStem = new Map(lessons.map((lesson) => [lesson.stem, lesson]));

rmSync(out, { recursive: true, force: true });
mkdirSync(`${out}assets`, { recursive: true });
copyFileSync(`${here}site.css`, `${out}assets/site.css`);
copyFileSync(`${here}site.js`, `${out}assets/site.js`);
copyFileSync(`${here}node_modules/mermaid/dist/mermaid.min.js`, `${out}assets/mermaid.min.js`);
writeFileSync(`${out}index.html`, indexPage());
lessons.forEach((lesson, i) => {
  writeFileSync(`${out}${lesson.stem}.html`, lessonPage(lesson, lessons[i - 1], lessons[i + 1]));
});
console.log(`built ${lessons.length} lessons into dist/site/: open dist/site/index.html`);

/** Every lesson that has its script, in number order; the others are named and left out. */
function loadLessons(): Lesson[] {
  const stems = (dir: string, ext: string) =>
    readdirSync(`${root}${dir}`)
      .filter((f) => /^\d\d-.+/.test(f) && f.endsWith(ext))
      .map((f) => f.slice(0, -ext.length))
      .sort();
  const scripts = stems('scripts', '.ts');
  const withLesson = stems('lessons', '.md');
  for (const stem of scripts.filter((s) => !withLesson.includes(s)))
    console.warn(`left out scripts/${stem}.ts: it has no lessons/${stem}.md yet`);
  for (const stem of withLesson.filter((s) => !scripts.includes(s)))
    console.warn(`left out lessons/${stem}.md: it has no scripts/${stem}.ts yet`);
  return scripts
    .filter((stem) => withLesson.includes(stem))
    .map((stem) => {
      const source = read(`scripts/${stem}.ts`);
      const markdown = read(`lessons/${stem}.md`);
      // The header's tags, as the catalog test reads them: ` * @tag value`.
      const doc = /^\/\*\*\n([\s\S]*?)\n \*\//.exec(source)?.[1] ?? '';
      const tag = (name: string) => new RegExp(`^ \\* @${name}\\s+(.*)$`, 'm').exec(doc)?.[1];
      return {
        stem,
        source,
        markdown,
        title: tag('title') ?? /^# (?:\d\d · )?(.*)$/m.exec(markdown)?.[1] ?? stem,
        mirrors: tag('mirrors') ?? '',
        run: tag('run') ?? `npx tsx scripts/${stem}.ts`,
        pairs: (tag('pair') ?? '').split(/\s+/).flatMap((p) => (p ? [p.replace(/\.ts$/, '')] : [])),
      };
    });
}

function indexPage(): string {
  const readme = read('README.md');
  const title = /^# (.*)$/m.exec(readme)?.[1] ?? 'Sockets by example';
  const intro = /^# .*\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
  // The README's words on the lessons, less its own table of them (the groups below replace it).
  const about = /^## The lessons\n([\s\S]*?)(?=^## |$(?![\s\S]))/m.exec(readme)?.[1] ?? '';
  const row = (l: Lesson) =>
    `<tr><td>${l.stem.slice(0, 2)}</td><td><a href="${l.stem}.html">${escapeHtml(l.title)}</a></td>` +
    `<td>${escapeHtml(l.mirrors)}</td>` +
    `<td>${l.pairs.map((p) => link(p, p.slice(0, 2))).join(', ') || '–'}</td>` +
    `<td><code>${l.stem}.ts</code></td></tr>`;
  const group = (heading: string, rows: Lesson[]) =>
    rows.length === 0
      ? ''
      : `<section class="group"><h2>${heading}</h2><div class="table"><table><thead><tr>` +
        '<th>#</th><th>Lesson</th><th>Mirrors</th><th>Pair</th><th>Script</th></tr></thead>' +
        `<tbody>${rows.map(row).join('')}</tbody></table></div></section>`;
  const body =
    `<main class="index"><h1>${escapeHtml(title)}</h1>${markdown(intro, '')}` +
    group(
      'The tutorial, listing by listing (00–15)',
      lessons.filter((l) => l.stem < '16'),
    ) +
    group(
      'Beyond the tutorial (16 and on)',
      lessons.filter((l) => l.stem >= '16'),
    ) +
    `${markdown(about.replace(/^\|.*\n/gm, ''), '')}</main>`;
  return page(title, body, { next: toLesson(lessons[0], (t) => `${t} →`) });
}

function lessonPage(lesson: Lesson, prev?: Lesson, next?: Lesson): string {
  const pairs = lesson.pairs.map((p) => link(p, `${p}.ts`, ' class="pair"')).join(', ');
  const code = shiki.codeToHtml(lesson.source, {
    lang: 'typescript',
    themes,
    defaultColor: false,
    transformers: [
      {
        code(node) {
          node.properties.id = 'source';
        },
        line(node, line) {
          node.properties.id = `L${line}`;
        },
      },
    ],
  });
  const body =
    `<main class="lesson"><article class="prose">${markdown(lesson.markdown, 'lessons', lesson)}</article>` +
    `<aside class="code" id="code" aria-label="The script"><div class="code-head">` +
    `<p><strong>scripts/${lesson.stem}.ts</strong> <button type="button" data-copy="source">Copy the file</button></p>` +
    `<p class="run"><code id="run">${escapeHtml(lesson.run)}</code> <button type="button" data-copy="run">Copy</button></p>` +
    (pairs ? `<p>Runs with ${pairs}</p>` : '') +
    `</div>${code}</aside></main>`;
  const mermaid = lesson.markdown.includes('```mermaid');
  return page(`${lesson.stem.slice(0, 2)} · ${lesson.title}`, body, {
    prev: toLesson(prev, (t) => `← ${t}`) ?? {
      href: 'index.html',
      short: '← All',
      long: '← All lessons',
    },
    next: toLesson(next, (t) => `${t} →`),
    mermaid,
  });
}

/** The frame of every page; `prev` and `next` are links, the first lesson's `prev` the index. */
function page(title: string, body: string, nav: { prev?: Link; next?: Link; mermaid?: boolean }) {
  const { prev, next } = nav;
  const rel = (name: string, to?: Link) => (to ? `<link rel="${name}" href="${to.href}">\n` : '');
  const a = (name: string, to: Link | undefined, text: 'short' | 'long') =>
    to
      ? `<a rel="${name}" href="${to.href}" title="${escapeHtml(to.long)}">${escapeHtml(to[text])}</a>`
      : '';
  const pager = (text: 'short' | 'long') =>
    `<nav class="pager" aria-label="Lessons">${a('prev', prev, text)}${a('next', next, text)}</nav>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)}</title>
${rel('prev', prev)}${rel('next', next)}<link rel="stylesheet" href="assets/site.css">
${nav.mermaid ? '<script defer src="assets/mermaid.min.js"></script>\n' : ''}<script defer src="assets/site.js"></script>
</head>
<body>
<header class="bar"><a href="index.html">Sockets by example</a>${pager('short')}</header>
${body}
<footer class="bar">${pager('long')}<span class="keys">← and → move between lessons; Ctrl + and Ctrl − change the size</span></footer>
</body>
</html>
`;
}

interface Link {
  href: string;
  short: string;
  long: string;
}

function toLesson(l: Lesson | undefined, arrow: (text: string) => string): Link | undefined {
  const n = l?.stem.slice(0, 2);
  return l && { href: `${l.stem}.html`, short: arrow(`${n}`), long: arrow(`${n} · ${l.title}`) };
}

/** Markdown to HTML; `from` is the file's folder, so that its relative links still lead somewhere. */
function markdown(text: string, from: string, lesson?: Lesson): string {
  const declared = new Map(
    (lesson?.source.split('\n') ?? []).flatMap((line, i): [string, number][] => {
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
        return `<img src="${escapeHtml(copyAsset(href, from))}" alt="${escapeHtml(text)}">`;
      },
      link({ href, tokens }) {
        return `<a href="${escapeHtml(siteHref(href, from))}">${this.parser.parseInline(tokens)}</a>`;
      },
      codespan(token) {
        const { text } = token;
        // `name()` or `name`, declared by the script, links to its line; but not a bare `listen`
        // in a script that also calls Node's `.listen`, nor `input()` in a table of Python calls.
        const [, name = '', call] = /^([A-Za-z_$][\w$]*)(\(\))?$/.exec(text) ?? [];
        const clear = call || !lesson?.source.includes(`.${name}`);
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

/** Consecutive ```console blocks, each with the paragraph ending in ':' before it as its caption,
 * become one row of terminal windows. */
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
    const caption = last?.type === 'paragraph' && /:\s*$/.test(last.raw) ? last : undefined;
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

/** A link in a lesson or the README, as it must be written in dist/site/. */
function siteHref(href: string, from: string): string {
  if (/^([a-z][a-z+.-]*:|#)/i.test(href)) return href;
  const [path = '', hash] = href.split('#');
  const target = posix.normalize(posix.join(from, path));
  const fragment = hash ? `#${hash}` : '';
  const lesson = /^lessons\/(\d\d-.+)\.md$/.exec(target)?.[1];
  const script = /^scripts\/(\d\d-.+)\.ts$/.exec(target)?.[1];
  if (lesson && byStem.has(lesson)) return `${lesson}.html${fragment}`;
  if (script && byStem.has(script)) return `${script}.html#code`;
  if (target === 'README.md') return `index.html${fragment}`;
  return `../../${target}${fragment}`; // any other file of the repository, where it lies
}

/** A picture beside a lesson, copied into dist/site/ under the same path, so that the site is whole. */
function copyAsset(href: string, from: string): string {
  if (/^[a-z][a-z+.-]*:/i.test(href)) return href; // a page that loads it fails the browser test
  const target = posix.normalize(posix.join(from, href));
  if (existsSync(`${root}${target}`)) {
    mkdirSync(posix.dirname(`${out}${target}`), { recursive: true });
    copyFileSync(`${root}${target}`, `${out}${target}`);
  }
  return target;
}

/** A link to a lesson's page, its title shown on hover; to the script, while it has no lesson. */
function link(stem: string, text: string, attributes = ''): string {
  const lesson = byStem.get(stem);
  const href = lesson ? `${stem}.html` : `../../scripts/${stem}.ts`;
  return `<a href="${href}" title="${escapeHtml(lesson?.title ?? '')}"${attributes}>${escapeHtml(text)}</a>`;
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
