/**
 * `npm run check -- NN PATH`: does a student's copy of lesson NN's script still speak its
 * protocol? One line per check, then `N passed, N failed`; exit 0 only when every check passed,
 * so that GitHub Classroom (or any CI) can grade with it as it is. NN may also be an exercise
 * (`npm run check -- 20-msg PATH`): the lesson's checks, then the exercise's own.
 *
 *   npm run check -- 07 ~/work/07-tcp-multi-client.ts
 *   npm run check -- 07 mine.ts --runtime deno        (js, the default, tsx, node, deno, bun)
 *
 * PATH is taken from where the command was typed (npm's INIT_CWD), so `npm --prefix KIT run
 * check -- 07 07.ts` works from a student's own folder too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { root } from '../test/harness.ts';
import { checkFile, quit, studentFile } from './report.ts';
import { exercises, sets } from './sets/index.ts';

const USAGE = 'usage: npm run check -- NN PATH [--runtime js|tsx|node|deno|bun] [--no-types]';
const RUNTIMES = ['js', 'tsx', 'node', 'deno', 'bun'];

const { positionals, values } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        runtime: { type: 'string', default: 'js' },
        'no-types': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    return quit(`${(err as Error).message.split(/\.\s/)[0]} — ${USAGE}`, 2);
  }
})();
if (values.help) quit(USAGE, 0);
const [which = '', given = ''] = positionals;
if (positionals.length !== 2) quit(`give a lesson number and a file — ${USAGE}`, 2);
if (!RUNTIMES.includes(values.runtime))
  quit(`--runtime is one of ${RUNTIMES.join(', ')}, not '${values.runtime}' — ${USAGE}`, 2);
const unusable = runtimeProblem(values.runtime);
if (unusable) quit(unusable, 2);
const exercise = exercises.find((ex) => ex.id === which);
const lesson = exercise?.lesson ?? (/^\d{1,2}$/.test(which) ? which.padStart(2, '0') : which);
const set = sets.find((s) => s.lesson === lesson);
if (!set) {
  const have = sets.map((s) => Number(s.lesson));
  const [first = 1, last = 1] = [have[0], have.at(-1)];
  const gaps = Array.from({ length: last - first }, (_, i) => first + i).filter(
    (n) => !have.includes(n),
  );
  const but = gaps.length ? ` (all but ${gaps.join(', ')})` : '';
  const range = `lessons ${String(first).padStart(2, '0')} to ${last} do${but}`;
  quit(`'${which}' has no checks: ${range}, and the exercises — ${USAGE}`, 2);
}
const { file, shown } = await studentFile(given);
pruneCache();

const failed = await checkFile({
  set,
  file,
  shown,
  runtime: values.runtime,
  types: !values['no-types'],
  ...(exercise?.extra ? { extra: exercise.extra } : {}),
});
process.exit(failed ? 1 : 0);

/** Why the runtime asked for cannot run a .ts file here, in a line; undefined if it can. */
function runtimeProblem(runtime: string): string | undefined {
  const program = {
    node: 'node',
    deno: process.env.KIT_DENO ?? 'deno',
    bun: process.env.KIT_BUN ?? 'bun',
  }[runtime];
  if (!program) return undefined; // js and tsx run on this Node, with the kit's own esbuild or tsx
  const probe = spawnSync(program, ['--version'], { encoding: 'utf8' });
  if (probe.error)
    return `--runtime ${runtime}: '${program}' is not on your PATH — install it, or leave --runtime out (the default runs it on this Node)`;
  const [major = 0, minor = 0] = (/v(\d+)\.(\d+)/.exec(probe.stdout)?.slice(1) ?? []).map(Number);
  if (runtime === 'node' && (major < 22 || (major === 22 && minor < 18)))
    return `--runtime node: this node is ${probe.stdout.trim()}, which cannot run a .ts file itself (22.18 or newer can) — leave --runtime out`;
  return undefined;
}

/** The kit's cache keeps a stripped copy and the type errors of every file checked: what was
 * made over a week ago goes (made again if it is still used), so that a class's hundreds of
 * checks do not pile up. (The runtimes of test:runtimes are in ~/.cache, not here.) */
function pruneCache() {
  const cache = `${root}node_modules/.cache/sockets-kit/`;
  const weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
  for (const name of existsSync(cache) ? readdirSync(cache) : []) {
    try {
      if (statSync(`${cache}${name}`).mtimeMs < weekAgo)
        rmSync(`${cache}${name}`, { recursive: true, force: true });
    } catch {
      // another check removed it first
    }
  }
}
