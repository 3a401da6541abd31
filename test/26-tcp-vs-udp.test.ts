/**
 * Lesson 26 measures; this only checks that it runs, prints its table and writes its chart. The
 * measuring itself is `npm run bench:udp`, outside `npm test`.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { RUNNER, scriptPath, start, tempFolder, usagePrefix } from './harness.ts';
import { checkTranscript } from './transcript.ts';

const SCRIPT = '26-tcp-vs-udp.ts';
const LATENCY = [
  'UDP',
  'TCP, one connection',
  'TCP, a new connection per request',
  'TCP, 2 small writes, setNoDelay(false)',
  'TCP, 2 small writes, setNoDelay(true)',
];
const BULK = ['24/25 64 KiB, --window 1, --loss 0', '24/25 64 KiB, --window 64, --loss 0'];

const folder = (t: ExecutionContext) => tempFolder(t, '26-test');

/** The table's rows: label, then the numbers (or '–' and a word) after it. */
function table(stdout: string) {
  return new Map(
    stdout
      .split('\n')
      .filter((line) => /\S\s{2,}\S/.test(line))
      .map((line) => {
        const [label = '', ...rest] = line.split(/\s{2,}/);
        return [label, rest];
      }),
  );
}

/** 26 makes a folder for 24/25's files in os.tmpdir() and removes it at its end; given the test's
 * own folder as TMPDIR, a 26 killed half-way (a hang, a failure) leaves nothing behind either. */
const tmp = (t: ExecutionContext) => ({ TMPDIR: folder(t) });

test('lesson 26 transcript: the --quick table', (t) =>
  checkTranscript(t, '26-tcp-vs-udp', [], { env: tmp(t) }));

test('--quick measures every row, runs 24 and 25 as child processes, writes the chart', async (t) => {
  // The default runner runs 26 as a stripped copy in a cache folder, without 24 and 25 beside it;
  // tsx runs it where it is. About 3 s: eight processes start, and 24 lingers 1 s after each.
  const runner = RUNNER === 'js' ? 'tsx' : RUNNER;
  const svg = join(folder(t), 'chart.svg');
  const done = await start(t, SCRIPT, { args: ['--quick', '--svg', svg], runner, env: tmp(t) });
  t.is(done.exitCode, 0, done.stderr);
  t.is(done.stderr, '');
  const rows = table(done.stdout);
  for (const label of LATENCY) {
    const [p50 = '', p99 = ''] = rows.get(label) ?? [];
    t.true(Number(p50) > 0 && Number(p99) >= Number(p50), `${label}: ${p50} ${p99}`);
  }
  t.true(Number(rows.get('TCP, 4 MiB')?.[0]) > 0, 'TCP bulk');
  // How slow Nagle's row is (a delayed ACK of about 40 ms here, nothing under Bun, which sets
  // TCP_NODELAY on every socket) is the lesson's to say and `npm run bench:udp`'s to measure: on a
  // busy machine the first write's ACK may come back before the second write is made.
  for (const label of BULK) {
    const [rate = '', again = ''] = rows.get(label) ?? [];
    t.true(Number(rate) > 0 && /^\d+$/.test(again), `${label}: ${rate} ${again}`);
  }
  const chart = readFileSync(svg, 'utf8');
  t.regex(chart, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="820" height="\d+"/);
  t.is(chart.match(/<rect /g)?.length, LATENCY.length + 1 + BULK.length, 'a bar per row');
  for (const label of [...LATENCY, ...BULK]) t.true(chart.includes(`>${label}</text>`), label);
});

test('a copy alone, without 24 and 25 beside it: their rows say "not found"', async (t) => {
  const dir = folder(t);
  copyFileSync(scriptPath(SCRIPT), join(dir, SCRIPT));
  const done = await start(t, join(dir, SCRIPT), { args: ['--quick'], cwd: dir, env: tmp(t) });
  t.is(done.exitCode, 0, done.stderr);
  const rows = table(done.stdout);
  for (const label of BULK) t.deepEqual(rows.get(label), ['–', 'not found']);
  t.true(Number(rows.get('UDP')?.[0]) > 0, 'the rest is measured');
});

test('--help names the file as started; a bad flag is a usage error', async (t) => {
  const help = await start(t, SCRIPT, { args: ['--help'] });
  t.is(help.exitCode, 0);
  t.is(help.stdout, `${usagePrefix(scriptPath(SCRIPT))}[--quick] [--svg FILE]`);
  const bad = await start(t, SCRIPT, { args: ['--fast'] });
  t.is(bad.exitCode, 2);
  t.regex(bad.stderr, /^Unknown option '--fast' — usage: /);
  t.is(bad.stdout, '');
});
