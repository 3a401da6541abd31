/**
 * Check one file and say how it went, a line per check, then `N passed, N failed`: what
 * `npm run check` and `npm run exercises -- check` print. Resolves with the number of failures.
 */
import { existsSync, readFileSync, statSync, writeSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { type Check, type CheckSet, killAll, type Result, runSet } from './checks.ts';
import { stopTypes, typeErrors } from './typecheck.ts';

export interface Target {
  set: CheckSet;
  /** Checks of an exercise's own, after the lesson's. */
  extra?: Check[];
  /** The file, absolute, and as the student named it. */
  file: string;
  shown: string;
  runtime?: string;
  /** Skip the type check (the checker's own tests, where it is tried once). */
  types?: boolean;
}

/** Say why the command cannot go on, in one line on stderr, and exit with `code`. */
export function quit(message: string, code: number): never {
  console.error(message);
  process.exit(code);
}

/**
 * The file a student named, taken from where the command was typed (npm's INIT_CWD), and shown
 * as it was typed. Quits with one line if it is missing (saying `missing`), not a file, or does
 * not parse.
 */
export async function studentFile(given: string, missing = 'give the path to your copy') {
  const here = process.env.INIT_CWD ?? process.cwd();
  const file = resolve(here, given);
  const shown = given.startsWith('/') ? given : relative(here, file) || file;
  if (!existsSync(file)) quit(`no such file: ${shown} — ${missing}`, 2);
  if (!statSync(file).isFile()) quit(`${shown} is not a file — give the path to your copy`, 2);
  const broken = await parseError(file, shown);
  if (broken) quit(`${broken} — it does not parse: fix it, then check again`, 1);
  return { file, shown };
}

/** Where a file does not parse, as `FILE:LINE:COL: message`; undefined if it parses. */
async function parseError(file: string, shown: string): Promise<string | undefined> {
  const esbuild = await import('esbuild');
  try {
    esbuild.transformSync(readFileSync(file, 'utf8'), { loader: 'ts', sourcefile: shown });
    return undefined;
  } catch (err) {
    type Located = { text: string; location?: { line: number; column: number } };
    const first = (err as { errors?: Located[] }).errors?.[0];
    const at = first?.location ? `:${first.location.line}:${first.location.column + 1}` : '';
    return `${shown}${at}: ${first?.text ?? (err as Error).message}`;
  }
}

export async function checkFile(target: Target): Promise<number> {
  const { set, file, shown, runtime } = target;
  // First of all, before a line is out: a Ctrl+C as soon as the first line shows still cleans up.
  // Output into a pipe that closed (`npm run check … | head`): stop quietly, as the checks would.
  process.stdout.on('error', () => {
    killAll();
    stopTypes();
    process.exit(1);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll(); // every process group the checks started: the student's program and its children
      stopTypes();
      // written at once: console.log to a pipe may still be queued when the process exits
      writeSync(1, `\nstopped by ${signal}: nothing it started is left running\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  const types = target.types === false ? Promise.resolve([]) : typeErrors(file); // beside the checks
  const what = target.extra ? ' and the exercise' : '';
  console.log(
    `checking ${shown} as lesson ${set.lesson}'s ${set.role}${what} (the kit's scripts/${set.script})`,
  );
  const lesson = `lessons/${set.script.replace(/\.ts$/, '.md')}`;
  const lines: (string | undefined)[] = [];
  let printed = 0;
  const report = (r: Result, i: number) => {
    if (!r.miss) lines[i] = `✔ ${r.check.name}`;
    else if (r.skipped) lines[i] = `✘ ${r.check.name} — not run: the first check must pass first`;
    else {
      const { sent, expected, got } = r.miss;
      const [first = '', ...rest] = got.split('\n');
      const reread = `reread ${lesson}, "${r.check.section}"`;
      lines[i] = [
        `✘ ${r.check.name} — sent ${sent}; expected ${expected}; got ${first}; ${reread}`,
        ...rest,
      ].join('\n');
    }
    while (lines[printed] !== undefined) console.log(lines[printed++]);
  };
  const withExtra = { ...set, checks: [...set.checks, ...(target.extra ?? [])] };
  const results = await runSet(withExtra, file, runtime, report);
  const errors = await types;
  if (target.types === false) {
    // not asked for
  } else if (errors.length) {
    const more = errors.length > 5 ? ` (the first 5 of ${errors.length})` : '';
    console.log(
      `\ntypes: ${shown} has type errors${more} — a warning; the checks above ran anyway`,
    );
    for (const e of errors.slice(0, 5)) {
      const [first, ...why] = e.message.split('\n');
      console.log(`  line ${e.line}:${e.column}: ${first}`);
      for (const line of why) console.log(`      ${line}`);
    }
  } else console.log('\ntypes: no errors');
  const failed = results.filter((r) => r.miss).length;
  const skipped = results.filter((r) => r.skipped).length;
  const notRun = skipped ? ` (${skipped} of them not run: the first check must pass first)` : '';
  console.log(`\n${results.length - failed} passed, ${failed} failed${notRun}`);
  return failed;
}
