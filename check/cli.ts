/**
 * `npm run check -- NN PATH`: does a student's copy of lesson NN's script still speak its
 * protocol? One line per check, then `N passed, N failed`; exit 0 only when every check passed,
 * so that GitHub Classroom (or any CI) can grade with it as it is.
 *
 *   npm run check -- 07 ~/work/07-tcp-multi-client.ts
 *   npm run check -- 07 mine.ts --runtime deno        (js, the default, tsx, node, deno, bun)
 *
 * PATH is taken from where the command was typed (npm's INIT_CWD), so `npm --prefix KIT run
 * check -- 07 07.ts` works from a student's own folder too.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type CheckSet, killAll, type Result, runSet } from './checks.ts';
import { sets } from './sets/index.ts';
import { typeErrors } from './typecheck.ts';

const USAGE = 'usage: npm run check -- NN PATH [--runtime js|tsx|node|deno|bun]';
const RUNTIMES = ['js', 'tsx', 'node', 'deno', 'bun'];

function quit(message: string, code: number): never {
  console.error(message);
  process.exit(code);
}

const { positionals, values } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { runtime: { type: 'string', default: 'js' }, help: { type: 'boolean' } },
    });
  } catch (err) {
    return quit(`${(err as Error).message.split(/\.\s/)[0]} — ${USAGE}`, 2);
  }
})();
if (values.help) quit(USAGE, 0);
const [lesson = '', given = ''] = positionals;
if (positionals.length !== 2) quit(`give a lesson number and a file — ${USAGE}`, 2);
if (!RUNTIMES.includes(values.runtime))
  quit(`--runtime is one of ${RUNTIMES.join(', ')}, not '${values.runtime}' — ${USAGE}`, 2);
const set: CheckSet | undefined = sets.find((s) => s.lesson === lesson.padStart(2, '0'));
if (!set) {
  const have = sets.map((s) => s.lesson);
  quit(`lesson '${lesson}' has no checks: the pairs ${have[0]} to ${have.at(-1)} do — ${USAGE}`, 2);
}
const file = resolve(process.env.INIT_CWD ?? process.cwd(), given);
const shownPath = relative(process.env.INIT_CWD ?? process.cwd(), file) || file;
if (!existsSync(file)) quit(`no such file: ${shownPath} — give the path to your copy`, 2);
if (!statSync(file).isFile()) quit(`${shownPath} is not a file — give the path to your copy`, 2);

// A file that does not parse cannot run: say where, as the compiler does, and stop.
try {
  const esbuild = await import('esbuild');
  esbuild.transformSync(readFileSync(file, 'utf8'), { loader: 'ts', sourcefile: shownPath });
} catch (err) {
  const first = (
    err as { errors?: { text: string; location?: { line: number; column: number } }[] }
  ).errors?.[0];
  const at = first?.location
    ? `${shownPath}:${first.location.line}:${first.location.column + 1}`
    : shownPath;
  quit(
    `${at}: does not parse: ${first?.text ?? (err as Error).message} — fix it, then check again`,
    1,
  );
}

const types = typeErrors(file); // beside the wire checks
const reference = `scripts/${set.script}`;
console.log(`checking ${shownPath} as lesson ${set.lesson}'s ${set.role} (the kit's ${reference})`);

const lessonFile = `lessons/${set.script.replace(/\.ts$/, '.md')}`;
const lines: (string | undefined)[] = [];
let printedUpTo = 0;
/** Print each result in the set's order, as soon as it and all before it are in. */
function report(r: Result, i: number) {
  if (!r.miss) lines[i] = `✔ ${r.check.name}`;
  else if (r.skipped) lines[i] = `✘ ${r.check.name} — not run: the first check must pass first`;
  else {
    const { sent, expected, got } = r.miss;
    const [first = '', ...rest] = got.split('\n');
    lines[i] = [
      `✘ ${r.check.name} — sent ${sent}; expected ${expected}; got ${first}; reread ${lessonFile}, "${r.check.section}"`,
      ...rest,
    ].join('\n');
  }
  while (lines[printedUpTo] !== undefined) console.log(lines[printedUpTo++]);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopping = true;
    killAll(); // every process group the checks started: the student's program and its children
    console.log(`\nstopped by ${signal}: nothing it started is left running`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

const results = await runSet(set, file, values.runtime, report);
lines.length = results.length;
const errors = await types;
if (errors.length) {
  const more = errors.length > 5 ? ` (the first 5 of ${errors.length})` : '';
  console.log(
    `\ntypes: ${shownPath} has type errors${more} — a warning; the checks above ran anyway`,
  );
  for (const e of errors.slice(0, 5)) console.log(`  line ${e.line}:${e.column}: ${e.message}`);
} else console.log('\ntypes: no errors');
const failed = results.filter((r) => r.miss).length;
console.log(`\n${results.length - failed} passed, ${failed} failed`);
if (!stopping) process.exit(failed ? 1 : 0);
