/**
 * The student's TypeScript, checked with the kit's own `typescript` and `@types/node`, in a
 * process of its own so that it runs beside the wire checks. Its errors are a warning: a copy
 * with a type error still runs under tsx, and its behaviour on the wire is what the checks judge.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { basename, dirname } from 'node:path';
import { root } from '../test/harness.ts';

export interface TypeError {
  line: number;
  column: number;
  message: string;
}

/** The kit's tsconfig.json options that a single copied script is held to. */
const OPTIONS = [
  ...['--noEmit', '--pretty', 'false', '--strict', '--skipLibCheck', '--noUncheckedIndexedAccess'],
  // preserve: a copy in a folder with no package.json is neither CommonJS nor an ES module to
  // NodeNext's way of seeing it (TS1295 on every import); tsx and Node decide that at run time.
  ...['--target', 'ES2023', '--module', 'preserve', '--moduleResolution', 'bundler'],
  ...['--erasableSyntaxOnly', '--verbatimModuleSyntax', '--allowImportingTsExtensions'],
  ...['--types', 'node', '--typeRoots', `${root}node_modules/@types`],
];

/** Resolve with the type errors in `file` (none: an empty list). */
export function typeErrors(file: string): Promise<TypeError[]> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  return new Promise((resolve) => {
    const [dir, name] = [dirname(file), basename(file)]; // tsc names files relative to its folder
    execFile(
      process.execPath,
      [tsc, ...OPTIONS, name],
      { cwd: dir, timeout: 60_000 },
      (_e, stdout) => {
        const mine = String(stdout)
          .split('\n')
          .filter((line) => line.startsWith(`${name}(`)); // not the errors of what it imports
        const found = mine.map((line) => /\((\d+),(\d+)\): error (TS\d+: .*)$/.exec(line) ?? []);
        resolve(
          found.map(([, line, column, message]) => ({
            line: Number(line),
            column: Number(column),
            message: message ?? '',
          })),
        );
      },
    );
  });
}
