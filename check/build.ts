/** What `npm run exercises -- build` writes, and what the suite compares exercises/ with. */
import { solution, solutionFile, starter, starterFile } from './exercises.ts';
import { exercises } from './sets/index.ts';

/** What `build` writes: every starter, every worked solution, and the list. */
export function built(): Map<string, string> {
  const files = new Map<string, string>();
  for (const ex of exercises) {
    files.set(starterFile(ex), starter(ex));
    const worked = solution(ex);
    if (worked) files.set(solutionFile(ex), worked);
  }
  const rows = exercises.map(
    (ex) =>
      `| [${ex.id}](${ex.id}.ts) | [${ex.lesson}](../lessons/${ex.script.replace(/\.ts$/, '.md')}) | ${ex.title} |`,
  );
  files.set(
    'exercises/README.md',
    [
      '# Exercises',
      '',
      "Each file here is one of the kit's scripts with a part cut out, and a TODO in its place.",
      'They are written by `npm run exercises -- build` from the marked regions of the scripts:',
      'do not edit them here. To work on one, copy it out:',
      '',
      '```sh',
      'npm run exercises                     # the list, and which are done',
      'npm run exercises -- start 16-decoder # copies it to my-exercises/16-decoder.ts',
      'npm run exercises -- hint 16-decoder  # one hint at a time',
      "npm run exercises -- check 16-decoder # the lesson's checks, and the exercise's own",
      '```',
      '',
      'Teachers: see [TEACHING.md](../TEACHING.md).',
      '',
      '| Exercise | Lesson | What to build |',
      '|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
  return files;
}
