/**
 * Lesson 27 in a real browser: `npm run test:browser` (not part of `npm test`, which needs no
 * browser). Debian's chromium (test/browser/chromium.ts, as in test/site/browser.ts) loads a page
 * from 27 with two pictures on it, one of them under a Chinese file name, and both must be drawn
 * (an image that failed to load or decode has a naturalWidth of 0). Nothing is requested from
 * anywhere but 27 on loopback.
 *
 * CHROMIUM=/path/to/chrome picks another Chromium than /usr/bin/chromium.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { output, server } from '../harness.ts';
import { launchChromium } from './chromium.ts';

/** A 2×1 PNG (red, blue), made with Python's zlib and struct and checked with `file`. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAADUlEQVR4nGP4zwAE/wEHAAH/4iOeWQAAAABJRU5ErkJggg==',
  'base64',
);
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="teal"/></svg>\n';
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>27 in a browser</title>
<h1>你好 from 27</h1>
<img id="png" src="/dot.png">
<img id="svg" src="/${encodeURIComponent('图.svg')}">
`;

test('chromium loads a page and its pictures from 27, and draws them', async (t) => {
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const www = mkdtempSync(join(tmpdir(), 'sockets-kit-browser-'));
  t.teardown(() => rmSync(www, { recursive: true, force: true }));
  writeFileSync(join(www, 'index.html'), PAGE);
  writeFileSync(join(www, 'dot.png'), PNG);
  writeFileSync(join(www, '图.svg'), SVG);
  const s = await server(t, '27-http-server.ts', { args: ['--dir', www] });
  const page = await browser.newPage();
  page.setDefaultTimeout(30_000);
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const base = `http://127.0.0.1:${s.port}`;
  const response = await page.goto(`${base}/`, { waitUntil: 'load' });
  t.is(response?.status(), 200);
  t.is(response?.headers()['content-type'], 'text/html; charset=utf-8');
  t.is(await page.textContent('h1'), '你好 from 27', 'the page decoded as UTF-8');
  const drawn = await page.$$eval('img', (imgs) =>
    imgs.map((img) => [
      img.id,
      (img as HTMLImageElement).complete,
      (img as HTMLImageElement).naturalWidth,
    ]),
  );
  t.deepEqual(drawn, [
    ['png', true, 2],
    ['svg', true, 40],
  ]);
  t.deepEqual(
    requests.filter((url) => !url.startsWith(base)),
    [],
    'nothing requested from anywhere else',
  );
  const log = output(s.proc).stdout;
  for (const path of ['/', '/dot.png', `/${encodeURIComponent('图.svg')}`])
    t.regex(log, new RegExp(`"GET ${path.replace(/[.%]/g, '\\$&')} HTTP/1\\.1" 200 `));
  t.log(log.trim()); // what chromium asked for, and from which ports: its connections
});
