/**
 * The student's TypeScript, checked with the kit's own `typescript` and `@types/node`, in a
 * process of its own so that it runs beside the wire checks. Its errors are a warning: a copy
 * with a type error still runs under tsx, and its behaviour on the wire is what the checks judge.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname } from 'node:path';
import { root } from '../test/harness.ts';

const require = createRequire(import.meta.url);
const ts = require('typescript/package.json') as { version: string };

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

/**
 * Resolve with the type errors in `file` (none: an empty list), each with the lines tsc adds to
 * explain it (up to two). Kept by the file's content in the kit's cache: a second check of the
 * same file does not wait for tsc again.
 */
export async function typeErrors(file: string): Promise<TypeError[]> {
  const source = readFileSync(file);
  const key = createHash('sha256')
    .update(`${ts.version}\0${basename(file)}\0`)
    .update(source)
    .digest('hex');
  const cached = `${root}node_modules/.cache/sockets-kit/types-${key.slice(0, 16)}.json`;
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8')) as TypeError[];
  const errors = await run(file);
  mkdirSync(dirname(cached), { recursive: true });
  writeFileSync(cached, JSON.stringify(errors));
  return errors;
}

/** The tsc still running, for `stopTypes()`. */
const running = new Set<ChildProcess>();

/** Kill a type check still running: the checker is stopping (Ctrl+C), and leaves nothing behind. */
export function stopTypes() {
  for (const tsc of running) tsc.kill('SIGKILL');
}

function run(file: string): Promise<TypeError[]> {
  const tsc = require.resolve('typescript/bin/tsc');
  const [dir, name] = [dirname(file), basename(file)]; // tsc names files relative to its folder
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [tsc, ...OPTIONS, name],
      { cwd: dir, timeout: 60_000 },
      (_e, out) => {
        running.delete(child);
        const errors: TypeError[] = [];
        for (const line of String(out).split('\n')) {
          const m = /^(.*?)\((\d+),(\d+)\): error (TS\d+: .*)$/.exec(line);
          const last = errors.at(-1);
          if (m) {
            if (m[1] === name)
              errors.push({ line: Number(m[2]), column: Number(m[3]), message: m[4] ?? '' });
            else errors.push({ line: 0, column: 0, message: '' }); // another file's: dropped below
          } else if (last?.line && line.startsWith('  ') && last.message.split('\n').length < 3) {
            last.message += `\n${line.trim()}`; // tsc's explanation, indented under the error
          }
        }
        resolve(errors.filter((e) => e.line > 0));
      },
    );
    running.add(child);
  });
}
