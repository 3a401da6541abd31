/**
 * The runtimes a student may run the kit with, pinned, and fetched on demand from the npm
 * registry (each package below is the runtime's binary for this platform) into a cache outside
 * the repository: `~/.cache/sockets-kit/runtimes`. Used by `npm run test:runtimes` and
 * `npm run bench:python`; a student's `npm install` never downloads any of them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const platform = `${process.platform}-${process.arch}`;
const glibc = process.platform === 'linux' ? '-glibc' : '';
const bunArch = process.arch === 'arm64' ? 'aarch64' : process.arch;

/** KIT_RUNNER for each runtime, its package@version and the binary inside it, and the variable
 * that hands the binary to the harness. `tsx` is the Node running this, through tsx. */
export const RUNTIMES: Record<
  string,
  { runner: string; pkg?: string; bin?: string; env?: string }
> = {
  tsx: { runner: 'tsx' },
  node22: { runner: 'node', pkg: `node-${platform}@22.23.5`, bin: 'bin/node', env: 'KIT_NODE' },
  node24: { runner: 'node', pkg: `node-${platform}@24.22.3`, bin: 'bin/node', env: 'KIT_NODE' },
  deno: { runner: 'deno', pkg: `@deno/${platform}${glibc}@2.9.6`, bin: 'deno', env: 'KIT_DENO' },
  bun: {
    runner: 'bun',
    pkg: `@oven/bun-${process.platform}-${bunArch}@1.4.5`,
    bin: 'bin/bun',
    env: 'KIT_BUN',
  },
};

const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'sockets-kit');

/** A runtime's binary and the version it reports, installed into the cache first if needed. */
export function fetched(name: string): { binary: string; version: string } {
  const runtime = RUNTIMES[name];
  if (!runtime) throw new Error(`unknown runtime '${name}': one of ${Object.keys(RUNTIMES)}`);
  const binary = runtime.pkg ? install(runtime.pkg, runtime.bin ?? '') : process.execPath;
  const done = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (done.error) throw new Error(`${binary}: ${done.error.message}`);
  return { binary, version: done.stdout.trim().split('\n')[0] ?? '?' };
}

function install(pkg: string, bin: string): string {
  const folder = join(cache, 'runtimes', pkg.replace(/[/@]/g, '_'));
  const binary = join(folder, 'node_modules', pkg.slice(0, pkg.lastIndexOf('@')), bin);
  if (existsSync(binary)) return binary;
  console.log(`fetching ${pkg} into ${folder} (once)`);
  // --ignore-scripts: these packages are the binary itself; no postinstall is needed.
  const flags = ['--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund'];
  const npm = spawnSync('npm', ['install', '--prefix', folder, ...flags, pkg], {
    stdio: 'inherit',
  });
  if (npm.status !== 0 || !existsSync(binary)) {
    throw new Error(`could not fetch ${pkg} from the npm registry`);
  }
  return binary;
}
