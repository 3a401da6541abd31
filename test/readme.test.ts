/**
 * The README's own commands, run as written: `npx tsx` for both sides of the first pair, and the
 * client fed by a pipe, as in `printf 'hello\nbye\n' | npx tsx scripts/02-tcp-client.ts`; and
 * what it says of `kill`: which process to signal under `npx`, and under `node --import tsx`.
 */
import { once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import test from 'ava';
import { client, read, server, tcpSockets } from './harness.ts';

test('README: npx tsx runs the 01/02 pair, the client fed by a pipe', async (t) => {
  t.true(read('README.md').includes('npx tsx scripts/01-tcp-server.ts'));
  const s = await server(t, '01-tcp-server.ts', { npx: true, input: ['hi'] });
  const c = await client(t, '02-tcp-client.ts', s, { npx: true, input: ['hello', 'bye'] });
  t.is(c.exitCode, 0);
  t.is(c.stdout, '请输入:\n>>>hi\n请输入:\n>>>(the server closed the connection)');
  const done = await s.proc;
  t.is(done.exitCode, 0);
  t.is(done.stdout, `listening on 127.0.0.1:${s.port}\nhello\n请输入:\n>>>`);
});

test('README: .ci/run runs exactly the set-up commands the README gives', (t) => {
  const ci = read('.ci/run');
  const readme = read('README.md');
  const commands = /## Set up[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1]?.trim().split('\n');
  t.deepEqual(commands, ['npm install', 'npm test']);
  for (const command of commands ?? []) t.regex(ci, new RegExp(`^${command}$`, 'm'));
});

// ---- `kill`: which process to signal (README, "When something goes wrong") ----------------------

/** Every process below `pid`, children and theirs, read from /proc/PID/stat. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8'); // "PID (name) STATE PPID ..."
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // it ended while we looked
    }
  }
  const below = [...parentOf].filter(([, parent]) => parent === pid).map(([child]) => child);
  return below.flatMap((child) => [child, ...descendants(child)]);
}

/** The pid that holds `port`'s listening socket, as `ss -ltnp` finds it: by the socket's inode. */
function holderOf(port: number, among: number[]): number | undefined {
  const rows = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8').trim().split('\n').slice(1),
  );
  const fields = rows
    .map((row) => row.trim().split(/\s+/))
    .find((f) => f[3] === '0A' && Number.parseInt(f[1]?.split(':')[1] ?? '', 16) === port);
  const socket = `socket:[${fields?.[9]}]`;
  return among.find((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some(
        (fd) => readlinkSync(`/proc/${pid}/fd/${fd}`) === socket,
      );
    } catch {
      return false;
    }
  });
}

/** The README with every run of white space made one space, so that a reflow changes nothing. */
const prose = () => read('README.md').replace(/\s+/g, ' ');

const listening = (port: number) => tcpSockets(port).some((s) => s.state === 'LISTEN');

test('README: under npx, kill of npx leaves the server on its port; kill of the pid holding it ends it quietly', async (t) => {
  t.true(prose().includes("A `kill` of npx's pid ends npm and the shell, and leaves tsx and"));
  const s = await server(t, '01-tcp-server.ts', { npx: true });
  const below = descendants(s.proc.pid ?? 0);
  t.teardown(() => {
    for (const pid of below) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  const holder = holderOf(s.port, below);
  t.truthy(holder, 'a process below npx holds the listening socket');
  t.regex(readFileSync(`/proc/${holder}/cmdline`, 'utf8'), /01-tcp-server\.ts/);

  // kill <pid of npx>: npm goes, the server stays, its port still taken.
  const npmGone = once(s.proc, 'exit');
  process.kill(s.proc.pid ?? 0, 'SIGTERM');
  await npmGone;
  t.notThrows(() => process.kill(holder ?? 0, 0), 'the server outlived npm');
  t.true(listening(s.port), 'the port is still held');

  // kill <the pid that ss -ltnp names>: the server ends, quietly, and frees its port.
  process.kill(holder ?? 0, 'SIGTERM');
  const done = await s.proc; // settles once the last process holding its output has gone
  t.is(done.stderr, '');
  t.false(listening(s.port));
});

test('README: node --import tsx is one process, and kill of its pid ends the server quietly', async (t) => {
  t.true(prose().includes('start the script with `node --import tsx scripts/…`'));
  const s = await server(t, '01-tcp-server.ts', { runner: 'tsx' }); // node --import tsx FILE
  // Its only child, if any, is esbuild's transform service, which tsx starts when its cache is
  // cold (a fresh clone): the script runs in this one process, and it holds the socket.
  for (const child of descendants(s.proc.pid ?? 0)) {
    t.regex(
      readFileSync(`/proc/${child}/cmdline`, 'utf8'),
      /esbuild/,
      'a child that is not esbuild',
    );
  }
  t.is(holderOf(s.port, [s.proc.pid ?? 0]), s.proc.pid);
  process.kill(s.proc.pid ?? 0, 'SIGTERM');
  const done = await s.proc;
  t.is(done.signal, 'SIGTERM');
  t.is(done.stderr, '');
  t.false(listening(s.port));
});
