/**
 * The transcript check: a lesson's "Transcript" section is run for real and compared.
 *
 * A transcript is one or more ```console blocks, one per terminal, each opening with the command
 * typed there (`$ npx tsx scripts/NAME.ts [flags]`, optionally `printf '…' | ` in front of it).
 * Blocks whose output starts with `listening on` are servers: started first, on `--port 0`.
 * The others run to the end, one after the other, against the last server started. A server block
 * that ends in `^C` is stopped with SIGINT once the others are done.
 *
 * What a person types is echoed by their terminal but not by a pipe, so the typed lines (given by
 * the test, or by the printf) are put back after the prompts that read them before comparing.
 * In the lesson, `<anything>` stands for a value that changes from run to run (a client's port,
 * the time); the server's real port is replaced by the one the lesson shows.
 */
import type { ExecutionContext } from 'ava';
import { client, type Done, read, server, start } from './harness.ts';

export interface Block {
  script: string;
  args: string[];
  /** Lines from a `printf '…' |` in front of the command, if any. */
  piped?: string[];
  expected: string;
  interrupted: boolean;
}

/** The ```console blocks of a lesson's `## Transcript` section. */
function parseTranscript(stem: string, zh = false): Block[] {
  const text = read(zh ? `lessons/zh/${stem}.md` : `lessons/${stem}.md`);
  const heading = zh ? '## 运行记录' : '## Transcript'; // the Chinese twin's name for the section
  const section = new RegExp(`^${heading}\\n([\\s\\S]*?)(?=^## )`, 'm').exec(text)?.[1] ?? '';
  return [...section.matchAll(/^```console\n([\s\S]*?)^```$/gm)].map(([, body = '']) => {
    const [command = '', ...output] = body.replace(/\n$/, '').split('\n');
    const m = /^\$ (?:printf '([^']*)' \| )?npx tsx scripts\/(\S+\.ts)((?: \S+)*)$/.exec(command);
    if (!m) throw new Error(`${stem}: a transcript block must start with "$ npx tsx scripts/…"`);
    const interrupted = output.at(-1) === '^C';
    if (interrupted) output.pop();
    return {
      script: m[2] ?? '',
      args: (m[3] ?? '').trim().split(' ').filter(Boolean),
      ...(m[1] === undefined ? {} : { piped: m[1].replace(/\\n$/, '').split('\\n') }),
      expected: output.join('\n'),
      interrupted,
    };
  });
}

/**
 * Run every block of a lesson's transcript and compare each terminal with the lesson. `typed[i]`
 * is what is typed in terminal i + 1 (unless a printf feeds it); then its input ends, as at
 * Ctrl+D, except in the terminals `open` lists (numbered from 1, as the lesson numbers them).
 * `env` is added to every process's environment. `more[script]` are flags added to that script's
 * runs, as `--port` is (lesson 29's `--redis`, the test's own Redis); `shown` rewrites what a
 * terminal printed before it is compared (that Redis's port as the lesson's 6379).
 */
export async function checkTranscript(
  t: ExecutionContext,
  stem: string,
  typed: string[][] = [],
  {
    open = [],
    env,
    more = {},
    shown: rewrite = (text) => text,
  }: {
    open?: number[];
    env?: Record<string, string>;
    more?: Record<string, string[]>;
    shown?: (text: string) => string;
  } = {},
) {
  const blocks = parseTranscript(stem);
  const chinese = parseTranscript(stem, true);
  t.true(blocks.length > 0, `lessons/${stem}.md has no transcript blocks`);
  const inputs = blocks.map((b, i) => b.piped ?? typed[i] ?? []);
  const results: (Done | undefined)[] = [];
  const servers: { i: number; proc: Awaited<ReturnType<typeof server>>['proc'] }[] = [];
  let port: { actual: number; shown: string } | undefined;

  for (const [i, block] of blocks.entries()) {
    const args = [...block.args, ...(more[block.script] ?? [])];
    const options = { args, input: inputs[i] ?? [], open: open.includes(i + 1), env };
    if (block.expected.startsWith('listening on ')) {
      const s = await server(t, block.script, options);
      port = { actual: s.port, shown: /:(\d+)\n|$/.exec(block.expected)?.[1] ?? '' };
      servers.push({ i, proc: s.proc });
    } else {
      results[i] = await (port
        ? client(t, block.script, { port: port.actual }, options)
        : start(t, block.script, options));
    }
  }
  for (const { i, proc } of servers) {
    if (blocks[i]?.interrupted) proc.kill('SIGINT');
    results[i] = await proc;
  }

  for (const [i, block] of blocks.entries()) {
    const done = results[i];
    let shown = rewrite(`${done?.stdout ?? ''}${done?.stderr ? `\n${done.stderr}` : ''}`);
    if (port) shown = shown.replaceAll(new RegExp(`\\b${port.actual}\\b`, 'g'), port.shown);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes (ESC[33m) show as colour, not text
    shown = shown.replace(/\x1b\[[0-9;]*m/g, '');
    const actual = (
      block.piped ? shown : echoTyped(shown, inputs[i] ?? [], block.expected)
    ).trimEnd();
    const expected = block.expected.trimEnd();
    const label = `lessons/${stem}.md, terminal ${i + 1} (${block.script})`;
    if (matchesWithPlaceholders(actual, expected)) t.pass(label);
    else t.is(actual, expected, label);
    // The Chinese twin shows the same run: its transcript is held to it the same way.
    const zh = chinese[i]?.expected.trimEnd() ?? '(no such terminal)';
    const zhLabel = `lessons/zh/${stem}.md, terminal ${i + 1} (${block.script})`;
    if (matchesWithPlaceholders(actual, zh)) t.pass(zhLabel);
    else t.is(actual, zh, zhLabel);
  }
}

/**
 * Put each typed line back where a terminal would have echoed it: right after each prompt. The
 * prompt is learnt from the lesson: what stands before the first typed line on its line.
 */
function echoTyped(output: string, typed: string[], lesson: string): string {
  const first = typed[0];
  if (!first) return output;
  const line = lesson.split('\n').find((l) => l.endsWith(first) && l.length > first.length);
  const prompt = line?.slice(0, -first.length);
  if (!prompt) return output;
  let next = 0;
  return output.replaceAll(prompt, (p) => (next < typed.length ? `${p}${typed[next++]}\n` : p));
}

function matchesWithPlaceholders(actual: string, expected: string) {
  if (actual === expected) return true;
  if (!/<[^<>\n]+>/.test(expected)) return false;
  const pattern = expected
    .split(/<[^<>\n]+>/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^\\n]+?');
  return new RegExp(`^${pattern}$`).test(actual);
}
