/**
 * The site in a real browser: `npm run test:site`, after `npm run site` (not part of `npm test`,
 * which needs no browser). Debian's chromium, driven by playwright-core, opens dist/site/ from the
 * file system, as a classroom without a network would, and every page, in English and in Chinese
 * (dist/site/zh/), must load with no console error and no request but for file:// URLs. Each
 * lesson's page must show its script whole, its transcripts and its diagrams drawn, its exercises,
 * and copy the exact file; ← and → move through the lessons; a narrow or zoomed-in window stacks
 * prose and code. Every page is also looked at as drawn, on a laptop or projector (1280×800) and
 * on a phone (390×844): no line of a preformatted block wraps, no diagram's text is smaller than
 * 0.8 × the body text, nothing is wider than the window, and Chinese text is drawn from a font
 * that has its glyphs, not as boxes. The language switch leads to the same page in the other
 * language and is remembered; a browser set to Chinese opens the Chinese pages first. Each
 * exercise's page shows its starter whole, the TODO in sight. Screenshots go to dist/screenshots/.
 *
 * CHROMIUM=/path/to/chrome picks another Chromium than /usr/bin/chromium.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { exercises } from '../../check/sets/index.ts';
import { type Lang, langs } from '../../site/words.ts';
import { launchChromium } from '../browser/chromium.ts';
import { limited, read, root } from '../harness.ts';

const site = `${root}dist/site/`;

/** The site's languages: the folder of its pages, of its lessons, and its README. */
const [english, chinese] = langs as [Lang, Lang];
const otherOf = (lang: Lang) => (lang === english ? chinese : english);

/** The lesson pages a language must have: every lesson it has that has its script, in order. */
const stemsOf = (lang: Lang) =>
  readdirSync(`${root}${lang.lessons}`)
    .filter((f) => /^\d\d-.+\.md$/.test(f) && existsSync(`${root}scripts/${f.slice(0, -3)}.ts`))
    .map((f) => f.slice(0, -3))
    .sort();
const stems = stemsOf(english);
const stemsIn = new Map(langs.map((lang) => [lang, stemsOf(lang)]));
/** The page of a lesson, from a page of `lang`: its own, or the English one while it has none. */
const lessonHref = (lang: Lang, stem: string) =>
  stemsIn.get(lang)?.includes(stem)
    ? `${stem}.html`
    : stems.includes(stem)
      ? `${lang === english ? '' : '../'}${stem}.html`
      : `${lang === english ? '' : '../'}../../scripts/${stem}.ts`;
const tag = (stem: string, name: string) =>
  new RegExp(`^ \\* @${name}\\s+(.*)$`, 'm').exec(read(`scripts/${stem}.ts`))?.[1];
const exercisesOf = (stem: string) => exercises.filter((ex) => ex.lesson === stem.slice(0, 2));
/** An exercise's title, task and hints as a page of `lang` shows them: English where it has none. */
const wordsOf = (lang: Lang, ex: (typeof exercises)[number]) =>
  lang.code === 'en' ? ex : ex[lang.code];

let chrome: Browser;
/** The reader whose browser is set to English, with no language chosen on the site. */
let browser: BrowserContext;

test.before(async () => {
  if (!existsSync(`${site}index.html`)) throw new Error('no dist/site/: run `npm run site` first');
  const built = statSync(`${site}index.html`).mtimeMs;
  const sources = [
    ...langs.flatMap((l) => [l.readme, ...stemsOf(l).map((s) => `${l.lessons}/${s}.md`)]),
    ...stems.map((s) => `scripts/${s}.ts`),
    ...exercises.map((ex) => `exercises/${ex.id}.ts`),
    ...readdirSync(`${root}check/sets`).map((f) => `check/sets/${f}`),
    ...['TEACHING.md', 'site/build.ts', 'site/words.ts', 'site/site.css', 'site/site.js'],
  ];
  for (const file of sources) {
    if (existsSync(`${root}${file}`) && statSync(`${root}${file}`).mtimeMs > built)
      throw new Error(`${file} changed after dist/site/ was built: run \`npm run site\` again`);
  }
  chrome = await launchChromium();
  browser = await reader('en-US');
  await browser.grantPermissions(['clipboard-read', 'clipboard-write']);
});

test.after.always(async () => {
  await chrome?.close();
});

/** A new reader, with nothing stored: a browser context whose first language is `locale`. */
async function reader(locale: string): Promise<BrowserContext> {
  const context = await chrome.newContext({ locale });
  context.setDefaultTimeout(10_000);
  // tsx names every function it compiles with a `__name(fn, "fn")` call; a function passed to
  // page.evaluate runs in the page, which must have that helper too.
  await context.addInitScript('globalThis.__name = (fn) => fn;');
  return context;
}

/** The file:// URL of a page of dist/site/, and its #fragment. */
const fileUrl = (file: string) => {
  const [path = '', hash] = file.split('#');
  return `${pathToFileURL(`${site}${path}`).href}${hash === undefined ? '' : `#${hash}`}`;
};

/** Open a page of dist/site/ from the file system, recording its errors and every request. */
async function open(t: ExecutionContext, file: string, context = browser) {
  const page = await context.newPage();
  t.teardown(() => page.close());
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  page.on('requestfailed', (r) => errors.push(`${r.url()}: ${r.failure()?.errorText}`));
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(fileUrl(file));
  return { page, errors, requests };
}

/** Only files: nothing left the machine. */
function offline(t: ExecutionContext, requests: string[]) {
  t.true(requests.length > 1, 'the page and its assets were requested');
  t.deepEqual(
    requests.filter((url) => !url.startsWith('file://')),
    [],
  );
}

/** Every link on the page that leads to a file leads to one that exists, and to its anchor. */
async function linksLead(t: ExecutionContext, page: Page) {
  const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
  const broken = hrefs.filter((href) => {
    if (!href.startsWith('file://')) return false;
    const { hash } = new URL(href);
    const file = fileURLToPath(href);
    if (!existsSync(file)) return true;
    const id = decodeURIComponent(hash.slice(1));
    return (
      hash !== '' && file.endsWith('.html') && !readFileSync(file, 'utf8').includes(`id="${id}"`)
    );
  });
  t.deepEqual(broken, []);
}

/** The checks every page gets: no error, nothing from the network, its links, and as drawn. */
async function sound(t: ExecutionContext, opened: Awaited<ReturnType<typeof open>>, cjk = false) {
  const { page, errors, requests } = opened;
  await linksLead(t, page);
  t.deepEqual(errors, []);
  offline(t, requests);
  const drawn = await unreadableCjk(page);
  if (cjk) t.true(drawn.checked > 0, 'its Chinese text was found and looked at');
  t.deepEqual(drawn.boxes, [], 'Chinese text drawn as boxes: install fonts-noto-cjk');
  t.deepEqual(await looksWrong(page), noFaults);
}

/**
 * The pages are looked at a few at a time, one a core: most of a page's time goes to loading and
 * drawing it (mermaid's bundle is parsed anew on every page with a diagram), which runs in the
 * browser's own processes while the test waits. A test of one page takes its turn here; the tests
 * of several pages, or of one reader's stored choice, are serial and run before them, alone.
 */
const oneACore = limited(availableParallelism());
const pageTest = (title: string, check: (t: ExecutionContext) => Promise<unknown>) =>
  test(title, (t) => oneACore(() => check(t)));

/** What a copy button puts on the clipboard, which every page shares: one page at a time. */
let clipboard = Promise.resolve('');
function copied(page: Page, button: string, word: string): Promise<string> {
  clipboard = clipboard
    .catch(() => '')
    .then(async () => {
      await page.click(button);
      await page.waitForSelector(`${button}:text("${word}")`);
      return page.evaluate(() => navigator.clipboard.readText());
    });
  return clipboard;
}

/** Where the language switch leads: the page's twin in the other language. */
const switchTo = (page: Page) =>
  page.$$eval('nav.langs a[data-lang]', (as) => as.map((a) => a.getAttribute('href')));

for (const lang of langs) {
  const { dir } = lang;
  const up = lang === english ? '' : '../';
  const there = lang === english ? 'zh/' : '../';
  const stemsHere = stemsIn.get(lang) ?? [];

  pageTest(
    `${dir}index.html lists every lesson: the tutorial's (00–15), then the kit's own`,
    async (t) => {
      const opened = await open(t, `${dir}index.html`);
      const { page } = opened;
      t.is(page.url(), fileUrl(`${dir}index.html`), 'not sent elsewhere');
      const groups = await page.$$eval('section.group', (sections) =>
        sections.map((s) =>
          [...s.querySelectorAll('tbody td:nth-child(2) a')].map((a) => a.getAttribute('href')),
        ),
      );
      const href = (s: string) => lessonHref(lang, s);
      t.deepEqual(groups, [
        stems.filter((s) => s < '16').map(href),
        stems.filter((s) => s >= '16').map(href),
      ]);
      const more = await page.$$eval('section.more a', (as) =>
        as.map((a) => a.getAttribute('href')),
      );
      t.deepEqual(more, [
        'exercises.html',
        `${up}teaching.html`,
        ...(lang === chinese && existsSync(`${root}lessons/zh/GLOSSARY.md`)
          ? ['glossary.html']
          : []),
      ]);
      t.deepEqual(await switchTo(page), [`${there}index.html`]);
      // The Mirrors column in the words of the lessons: a Chinese lesson beyond the tutorial says
      // where it is listed (列在 **…**), and the index says the same, with no English left in it.
      if (lang === chinese) {
        const cells = await page.$$eval('section.group tbody tr', (trs) =>
          trs.map((tr) => tr.querySelector('td:nth-child(3)')?.textContent ?? ''),
        );
        const listed = stems.flatMap((s, i) => {
          const said = /列在 \*\*(.+?)\*\*/.exec(read(`${lang.lessons}/${s}.md`))?.[1];
          return said ? [[s, cells[i], said]] : [];
        });
        t.true(listed.length > 0);
        for (const [s, cell, said] of listed) t.is(cell, said, `${s}: the Mirrors column`);
      }
      await sound(t, opened, lang === chinese);
    },
  );

  for (const [i, stem] of stemsHere.entries()) {
    pageTest(
      `${dir}${stem}.html: its script, transcripts, diagrams, exercises, copy button and links`,
      async (t) => {
        const opened = await open(t, `${dir}${stem}.html`);
        const { page, errors } = opened;
        const lesson = read(`${lang.lessons}/${stem}.md`);
        const script = read(`scripts/${stem}.ts`);

        const diagrams = lesson.match(/^```mermaid$/gm)?.length ?? 0;
        const drawn = () => page.locator('pre.mermaid svg').count();
        // site.js marks the page once every diagram is drawn and its labels are set right.
        await page
          .waitForFunction(
            (n) =>
              n === 0 ||
              (document.querySelectorAll('pre.mermaid svg').length === n &&
                document.documentElement.dataset.diagrams === 'drawn'),
            diagrams,
          )
          .catch(() => undefined);
        t.is(await drawn(), diagrams, `diagrams drawn as SVG (errors: ${errors.join('; ')})`);
        const unparsed = await page.locator('pre.mermaid [aria-roledescription="error"]').count();
        t.is(unparsed, 0, `diagrams mermaid could not parse (${errors.join('; ')})`);
        // Chinese has no spaces: a label cut between two of its characters gets no hyphen.
        const cut = await page.$$eval('pre.mermaid svg tspan, pre.mermaid svg text', (labels) =>
          labels.flatMap((l) =>
            /\p{Script=Han}-$/u.test(l.textContent ?? '') ? [l.textContent] : [],
          ),
        );
        t.deepEqual(cut, [], 'diagram labels hyphenated between Chinese characters');

        t.is(await page.locator('#source').textContent(), script, 'the script, whole');
        const transcripts = [...lesson.matchAll(/^```console\n([\s\S]*?)\n```$/gm)].map(
          (m) => m[1] ?? '',
        );
        t.true(transcripts.length > 0);
        t.deepEqual(await page.locator('.terminal pre').allTextContents(), transcripts);

        const copy = (button: string) => copied(page, button, lang.w.copied);
        t.is(await copy('button[data-copy="source"]'), script, 'the exact file');
        t.is(
          await copy('button[data-copy="run"]'),
          tag(stem, 'run') ?? `npx tsx scripts/${stem}.ts`,
        );

        const partners = (tag(stem, 'pair') ?? '').split(/\s+/).filter(Boolean);
        const pairLinks = await page.$$eval('.code-head a.pair', (as) =>
          as.map((a) => a.getAttribute('href')),
        );
        // A partner whose lesson is still to be written is linked as its script.
        t.deepEqual(
          pairLinks,
          partners.map((p) => lessonHref(lang, p.replace(/\.ts$/, ''))),
        );
        const rel = (name: string) =>
          page.evaluate(
            (r) => document.querySelector(`link[rel="${r}"]`)?.getAttribute('href'),
            name,
          );
        t.is(await rel('prev'), i === 0 ? 'index.html' : `${stemsHere[i - 1]}.html`);
        t.is(await rel('next'), stemsHere[i + 1] && `${stemsHere[i + 1]}.html`);
        const twin = stemsIn.get(otherOf(lang))?.includes(stem) ? `${stem}.html` : 'index.html';
        t.deepEqual(await switchTo(page), [`${there}${twin}`]);
        const listed = await page.$$eval('.exercises li a', (as) =>
          as.map((a) => a.getAttribute('href')),
        );
        t.deepEqual(
          listed,
          exercisesOf(stem).map((ex) => `exercise-${ex.id}.html`),
        );
        await sound(t, opened, lang === chinese || CJK.test(lesson + script));
      },
    );
  }

  pageTest(`${dir}exercises.html lists every exercise, and how to do one`, async (t) => {
    const opened = await open(t, `${dir}exercises.html`);
    const { page } = opened;
    const rows = await page.$$eval('tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('a')].map((a) => a.getAttribute('href'))),
    );
    t.deepEqual(
      rows,
      exercises.map((ex) => [
        `exercise-${ex.id}.html`,
        lessonHref(lang, ex.script.replace(/\.ts$/, '')),
      ]),
    );
    t.deepEqual(
      await page.locator('tbody td:nth-child(3)').allTextContents(),
      exercises.map((ex) => {
        const { title } = wordsOf(lang, ex);
        return title === ex.title ? `${title}${lang.w.inEnglish}` : title;
      }),
      'each title in the language of the page, or marked English',
    );
    const first = exercises[0]?.id ?? '';
    t.regex((await page.locator('pre').first().textContent()) ?? '', new RegExp(`check ${first}`));
    t.deepEqual(await switchTo(page), [`${there}exercises.html`]);
    await sound(t, opened, lang === chinese);
  });

  for (const ex of exercises) {
    pageTest(
      `${dir}exercise-${ex.id}.html: the task, its hints, the starter whole, its TODO in sight`,
      async (t) => {
        const opened = await open(t, `${dir}exercise-${ex.id}.html`);
        const { page } = opened;
        const starter = read(`exercises/${ex.id}.ts`);
        t.is(await page.locator('#source').textContent(), starter, 'the starter, whole');
        // The TODO is marked, and in sight in the panel beside the task as the page opens.
        const marked = page.locator('#source .line.marked');
        t.regex(
          (await marked.allTextContents()).join('\n'),
          new RegExp(`TODO \\(exercise ${ex.id}\\)`),
        );
        const todo = await marked.nth(1).boundingBox();
        const panel = await page.locator('#code pre').boundingBox();
        t.true(
          !!todo && !!panel && todo.y >= panel.y && todo.y + todo.height <= panel.y + panel.height,
          'the TODO in sight',
        );
        // Its title, task and hints in the language of the page (every exercise has Chinese words),
        // with no English left in their place.
        const own = wordsOf(lang, ex);
        t.is(await page.locator('p.lead').textContent(), own.title);
        t.is(
          await page.locator('.prose [lang="en"] p.lead').count(),
          0,
          'the title in the page language',
        );
        const hints = page.locator('details.hint');
        t.is(await hints.count(), own.hints.length);
        t.false(
          await hints.first().evaluate((d) => (d as HTMLDetailsElement).open),
          'hints hidden',
        );
        t.regex((await page.locator('.prose').textContent()) ?? '', new RegExp(`check ${ex.id}`));
        const file = await copied(page, 'button[data-copy="source"]', lang.w.copied);
        t.is(file, starter, 'the exact file');
        t.is(await page.locator('#run').textContent(), `npm run exercises -- check ${ex.id}`);
        t.deepEqual(await switchTo(page), [`${there}exercise-${ex.id}.html`]);
        await sound(t, opened, lang === chinese);
      },
    );
  }
}

for (const [file, from, cjk] of [
  ['teaching.html', 'TEACHING.md', false],
  ['zh/glossary.html', 'lessons/zh/GLOSSARY.md', true],
] as const) {
  pageTest(`${file}: ${from} as a page`, async (t) => {
    if (!existsSync(`${root}${from}`)) return t.false(existsSync(`${site}${file}`));
    const opened = await open(t, file);
    const heading = /^# (.*)$/m.exec(read(from))?.[1] ?? '';
    t.is(await opened.page.locator('h1').first().textContent(), heading);
    await sound(t, opened, cjk);
  });
}

test.serial(
  'the language switch leads to the same lesson, both ways, and is remembered',
  async (t) => {
    const context = await reader('en-US');
    t.teardown(() => context.close());
    const page = (await open(t, `${stems[16]}.html`, context)).page;
    const at = (file: string) =>
      page.waitForURL((url) => url.href === fileUrl(file)).then(() => t.pass());
    await page.click('nav.langs a[data-lang="zh"]');
    await at(`zh/${stems[16]}.html`);
    await page.goto(fileUrl(`index.html`));
    await at('zh/index.html'); // the choice, remembered
    await page.goto(fileUrl(`${stems[3]}.html#code`));
    await at(`zh/${stems[3]}.html#code`);
    await page.click('nav.langs a[data-lang="en"]');
    await at(`${stems[3]}.html`);
    await page.goto(fileUrl(`zh/${stems[16]}.html`));
    await at(`${stems[16]}.html`); // English, remembered
  },
);

test.serial(
  'a browser set to Chinese opens the Chinese pages; any other stays where it is sent',
  async (t) => {
    const zh = await reader('zh-CN');
    t.teardown(() => zh.close());
    const opened = await open(t, 'index.html', zh);
    await opened.page.waitForURL((url) => url.pathname.endsWith('/zh/index.html'));
    t.is(await opened.page.evaluate(() => document.documentElement.lang), 'zh-CN');
    await opened.page.goto(fileUrl(`${stems[1]}.html`));
    await opened.page.waitForURL((url) => url.pathname.endsWith(`/zh/${stems[1]}.html`));
    // Left before it had loaded, the English page's own requests were cut short: no error of its.
    t.deepEqual(
      opened.errors.filter((e) => !e.endsWith('net::ERR_ABORTED')),
      [],
    );
    offline(t, opened.requests);
    // An English-speaking browser given a Chinese page keeps it.
    const { page } = await open(t, `zh/${stems[1]}.html`);
    t.is(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    t.true(page.url().endsWith(`/zh/${stems[1]}.html`));
  },
);

for (const lang of langs) {
  test.serial(`← and → move through the lessons (${lang.name})`, async (t) => {
    const { dir } = lang;
    const here = stemsIn.get(lang) ?? [];
    const { page } = await open(t, `${dir}index.html`);
    const press = async (key: string, file: string) => {
      await page.keyboard.press(key);
      await page.waitForURL((url) => url.href === fileUrl(`${dir}${file}`));
      t.pass();
    };
    await press('ArrowRight', `${here[0]}.html`);
    await press('ArrowRight', `${here[1]}.html`);
    await press('ArrowLeft', `${here[0]}.html`);
    await press('ArrowLeft', 'index.html');
  });
}

test.serial('prose beside code on a wide window; stacked when narrow or zoomed in', async (t) => {
  const { page } = await open(t, `${stems[1]}.html`);
  // Zooming in narrows the window in CSS pixels: 1920 wide at 150 % is 1280, at 200 % 960.
  const sizes: [number, number, boolean][] = [
    [1920, 1080, true],
    [1280, 720, true],
    [960, 540, false],
    [640, 360, false],
    [390, 844, false],
  ];
  for (const [width, height, sideBySide] of sizes) {
    await page.setViewportSize({ width, height });
    const prose = await page.locator('.prose').boundingBox();
    const code = await page.locator('.code').boundingBox();
    if (!prose || !code) return t.fail('no prose or no code');
    if (sideBySide)
      t.true(code.x >= prose.x + prose.width && code.y <= prose.y, `${width}: beside`);
    else t.true(code.y >= prose.y + prose.height, `${width}: below`);
    t.is(await overflow(page), 0, `${width}: nothing wider than the window`);
  }
  const index = (await open(t, 'index.html')).page;
  await index.setViewportSize({ width: 390, height: 844 });
  t.is(await overflow(index), 0, 'the index on a phone: nothing wider than the window');

  // For people to look at: a projector (1920 × 1080, zoomed to 150 % and 200 %) and a phone.
  mkdirSync(`${root}dist/screenshots`, { recursive: true });
  const cdp = await browser.newCDPSession(page);
  for (const [name, width, height, scale] of [
    ['projector-150', 1280, 720, 1.5],
    ['projector-150-transcript', 1280, 720, 1.5],
    ['projector-200', 960, 540, 2],
    ['narrow', 390, 844, 2],
  ] as const) {
    await page.setViewportSize({ width, height });
    await cdp.send('Emulation.setDeviceMetricsOverride', {
      width,
      height,
      deviceScaleFactor: scale,
      mobile: false,
    });
    await page.evaluate(
      (s) => document.querySelector(s)?.scrollIntoView(),
      name.endsWith('transcript') ? '#transcript' : 'body',
    );
    await page.screenshot({ path: `${root}dist/screenshots/${name}.png` });
  }
  t.pass();
});

test.serial('dark when the reader prefers it; plain pages in print', async (t) => {
  const { page } = await open(t, `${stems[1]}.html`);
  const looks = () =>
    page.evaluate(() => {
      const body = getComputedStyle(document.body);
      const code = [...document.querySelectorAll('#source .line span')].find(
        (span) => span.textContent === ';', // plain punctuation, in the theme's own text colour
      );
      return {
        page: body.backgroundColor,
        text: body.color,
        code: code ? getComputedStyle(code).color : '',
        bar: getComputedStyle(document.querySelector('header.bar') as Element).display,
        panel: getComputedStyle(document.querySelector('.code') as Element).position,
      };
    });
  const light = await looks();
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await looks();
  t.true(luminance(dark.page) < 0.1 && luminance(dark.text) > 0.7, 'light text on a dark page');
  t.true(luminance(dark.code) > 0.4, 'code readable on the dark panel');
  t.true(luminance(light.page) > 0.9 && luminance(light.code) < 0.4, 'dark text on a light page');
  await page.emulateMedia({ colorScheme: 'dark', media: 'print' });
  const print = await looks();
  t.is(print.bar, 'none', 'no navigation on paper');
  t.is(print.panel, 'static', 'the script printed whole, after the prose');
  t.true(luminance(print.page) > 0.9, 'printed light whatever the screen');
});

/** The sizes every page is looked at: a laptop or a projector at 1280 wide, and a phone. */
const screens = [
  { name: '1280×800', width: 1280, height: 800 },
  { name: '390×844', width: 390, height: 844 },
];

/**
 * A diagram's smallest text must be at least this fraction of the body text's height, as both are
 * drawn. 0.8 × the body's 17 px is 13.6 px: the size of the transcripts' text (14 px), the smallest
 * a reader is asked to read in the prose column; mermaid draws its labels at 16 px, so a diagram
 * passes when it is shown at about its natural size (shrunk by 15 % at most), and a diagram
 * squeezed into the column, as lesson 20's was (its labels 7.5 px, 0.44 ×), fails.
 */
const minDiagramText = 0.8;

const noFaults = Object.fromEntries(
  screens.flatMap(({ name }) => [
    [`${name}: preformatted lines that wrap`, []],
    [`${name}: diagram text smaller than ${minDiagramText} × the body text`, []],
    [`${name}: wider than the window`, []],
  ]),
);

/** What is wrong with the page as drawn at each size of `screens`, in the shape of `noFaults`. */
async function looksWrong(page: Page): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const { name, width, height } of screens) {
    await page.setViewportSize({ width, height });
    const faults = await page.evaluate((minRatio) => {
      const wrapped: string[] = [];
      const clip = (text: string) => JSON.stringify(text.trim().slice(0, 60));
      // A line of a <pre> wraps when the pieces of its text lie on two line boxes: one piece
      // starts below where another ends. Each line is a Range from one \n to the next.
      for (const pre of document.querySelectorAll('pre:not(.mermaid)')) {
        const heading = document.evaluate(
          'preceding::*[self::h2 or self::h3][1]',
          pre,
          null,
          XPathResult.FIRST_ORDERED_NODE_TYPE,
          null,
        ).singleNodeValue?.textContent;
        const where = pre.closest('#code')
          ? 'the script'
          : `${pre.closest('.terminal') ? 'a transcript' : 'a block'} under "${heading}"`;
        const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        range.setStart(pre, 0);
        const lines: string[] = [];
        const wraps: number[] = [];
        let text = '';
        const check = (node: Node, offset: number) => {
          range.setEnd(node, offset);
          const rects = [...range.getClientRects()].filter((r) => r.width > 0);
          const bottom = Math.min(...rects.map((r) => r.bottom));
          if (rects.some((r) => r.top >= bottom - 1)) wraps.push(lines.length);
          lines.push(text);
          text = '';
        };
        let last: Text | undefined;
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          last = node as Text;
          let from = 0;
          for (let end = last.data.indexOf('\n'); end !== -1; end = last.data.indexOf('\n', from)) {
            text += last.data.slice(from, end);
            check(last, end);
            range.setStart(last, end + 1);
            from = end + 1;
          }
          text += last.data.slice(from);
        }
        if (last) check(last, last.data.length);
        const [first] = wraps;
        if (first !== undefined)
          wrapped.push(
            `${where}: ${wraps.length} of ${lines.length} lines, the first line ${first + 1}: ` +
              clip(lines[first] ?? ''),
          );
      }

      // The body text: the first line of the lesson's first paragraph, measured the same way.
      const small: string[] = [];
      const para = [...document.querySelectorAll('.prose p')]
        .flatMap((p) => [...p.childNodes])
        .find((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim());
      const measure = document.createRange();
      if (para) measure.selectNodeContents(para);
      const body = para ? (measure.getClientRects()[0]?.height ?? 0) : 0;
      for (const [i, svg] of [...document.querySelectorAll('pre.mermaid svg')].entries()) {
        let smallest = { ratio: Number.POSITIVE_INFINITY, text: '', height: 0 };
        for (const label of svg.querySelectorAll('text, tspan')) {
          if (label.querySelector('tspan') || !label.textContent?.trim()) continue;
          const height = label.getBoundingClientRect().height;
          if (height / body < smallest.ratio)
            smallest = { ratio: height / body, text: label.textContent, height };
        }
        if (smallest.ratio < minRatio)
          small.push(
            `diagram ${i + 1}: ${clip(smallest.text)} is ${smallest.height.toFixed(1)} px high, ` +
              `${smallest.ratio.toFixed(2)} × the body text's ${body.toFixed(1)} px`,
          );
      }

      // Wider than the window: the page scrolls sideways, or a diagram is cut off.
      const wide: string[] = [];
      const over = document.documentElement.scrollWidth - innerWidth;
      if (over > 0) {
        const culprits = [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
          .filter((e) => !e.parentElement?.closest('pre, .table'))
          .slice(-3)
          .map((e) => `<${e.localName}> ${clip(e.textContent ?? '')}`);
        wide.push(`the page, by ${over} px: ${culprits.join(', ')}`);
      }
      for (const [i, pre] of [...document.querySelectorAll('pre.mermaid')].entries()) {
        const scrolls = ['auto', 'scroll'].includes(getComputedStyle(pre).overflowX);
        if (pre.scrollWidth > pre.clientWidth + 1 && !scrolls)
          wide.push(
            `diagram ${i + 1}: cut off, ${pre.scrollWidth - pre.clientWidth} px out of sight`,
          );
      }
      return { wrapped, small, wide };
    }, minDiagramText);
    found[`${name}: preformatted lines that wrap`] = faults.wrapped;
    found[`${name}: diagram text smaller than ${minDiagramText} × the body text`] = faults.small;
    found[`${name}: wider than the window`] = faults.wide;
  }
  return found;
}

/** Chinese, Japanese and Korean letters, and their punctuation and full-width forms. */
const CJK =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u;

/**
 * Every CJK character on the page, drawn on a canvas in the font of the element that holds it,
 * beside U+0378, a code point no font has: a character no installed font has is drawn from the
 * same .notdef glyph (a box, "tofu"), pixel for pixel. A real glyph differs from the box.
 */
async function unreadableCjk(page: Page): Promise<{ checked: number; boxes: string[] }> {
  return page.evaluate((pattern) => {
    const cjk = new RegExp(pattern, 'gu');
    const byFont = new Map<string, Set<string>>();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const chars = node.textContent?.match(cjk);
      if (!chars || !node.parentElement) continue;
      const s = getComputedStyle(node.parentElement);
      const font = `${s.fontStyle} ${s.fontWeight} 32px ${s.fontFamily}`; // any size: a font has a glyph or not
      const set = byFont.get(font) ?? new Set();
      for (const c of chars) set.add(c);
      byFont.set(font, set);
    }
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 64;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2d canvas');
    const draw = (font: string, c: string) => {
      ctx.clearRect(0, 0, 64, 64);
      ctx.font = font;
      ctx.fillText(c, 8, 48);
      return ctx.getImageData(0, 0, 64, 64).data.join();
    };
    let checked = 0;
    const boxes: string[] = [];
    for (const [font, chars] of byFont) {
      const box = draw(font, '\u0378');
      const drawnAsBox = [...chars].filter((c) => draw(font, c) === box);
      checked += chars.size;
      if (drawnAsBox.length > 0)
        boxes.push(`${drawnAsBox.length} of ${chars.size}, ${drawnAsBox.join('')}, in ${font}`);
    }
    return { checked, boxes };
  }, CJK.source);
}

/** Relative luminance, 0 to 1, of a computed `rgb(r, g, b)`. */
function luminance(rgb: string): number {
  const [r = 0, g = 0, b = 0] = (rgb.match(/\d+(\.\d+)?/g) ?? []).map(Number).map((c) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
}
