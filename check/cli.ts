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
import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkFile, parseError } from './report.ts';
import { exercises, sets } from './sets/index.ts';

const USAGE = 'usage: npm run check -- NN PATH [--runtime js|tsx|node|deno|bun] [--no-types]';
const RUNTIMES = ['js', 'tsx', 'node', 'deno', 'bun'];

function quit(message: string, code: number): never {
  console.error(message);
  process.exit(code);
}

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
const exercise = exercises.find((ex) => ex.id === which);
const lesson = exercise?.lesson ?? (/^\d{1,2}$/.test(which) ? which.padStart(2, '0') : which);
const set = sets.find((s) => s.lesson === lesson);
if (!set) {
  const have = sets.map((s) => s.lesson);
  quit(
    `'${which}' has no checks: lessons ${have[0]} to ${have.at(-1)} do, and the exercises — ${USAGE}`,
    2,
  );
}
const here = process.env.INIT_CWD ?? process.cwd();
const file = resolve(here, given);
const shown = relative(here, file) || file;
if (!existsSync(file)) quit(`no such file: ${shown} — give the path to your copy`, 2);
if (!statSync(file).isFile()) quit(`${shown} is not a file — give the path to your copy`, 2);
const broken = await parseError(file, shown);
if (broken) quit(`${broken} — it does not parse: fix it, then check again`, 1);

const failed = await checkFile({
  set,
  file,
  shown,
  runtime: values.runtime,
  types: !values['no-types'],
  ...(exercise?.extra ? { extra: exercise.extra } : {}),
});
process.exit(failed ? 1 : 0);
