/**
 * The browser of `npm run test:browser` and `npm run test:site`: Debian's chromium, driven by
 * playwright-core, headless, with nothing of its own reaching for the network (no background
 * requests, no component updates, no sync). Each launch gets a fresh temporary profile, which
 * playwright deletes when the browser closes.
 *
 * CHROMIUM=/path/to/chrome picks another Chromium than /usr/bin/chromium.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  if (!existsSync(executablePath))
    throw new Error(`no browser at ${executablePath}: apt-get install chromium, or set CHROMIUM`);
  return chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--headless',
    ],
  });
}
