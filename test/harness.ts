/**
 * The one test harness: start scripts as real processes, wait for `listening on`, feed stdin,
 * collect what each side prints, and kill everything when the test ends.
 */

import { createHash } from 'node:crypto';
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { execa, execaSync, type Result, type ResultPromise } from 'execa';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const scriptPath = (name: string) => `${root}scripts/${name}`;
export const read = (relative: string) => readFileSync(`${root}${relative}`, 'utf8');

/**
 * Every process gets this long before it is killed: no test can hang the suite. It catches a
 * hang and nothing else, so it is many times what any process needs on a quiet machine (the
 * longest, lesson 26's --quick, takes about 3 s; most take well under 1 s): on a student's busy
 * laptop everything is slower, and a test asserts what a script does, never how fast.
 */
export const PROCESS_TIMEOUT_MS = 60_000;

/**
 * Whoever owns what the harness starts, and cleans it up: ava's `t` in a test, the checker's own
 * context in `npm run check` (check/), which runs the same starts and waits on a student's file.
 */
export interface Owner {
  teardown(fn: () => unknown): void;
}

export type Proc = ResultPromise<{ reject: false }>;
export type Done = Result<{ reject: false }>;

export interface StartOptions {
  /** Lines typed on stdin; a trailing newline is added to each. Omit to leave stdin open. */
  input?: string[];
  /** Type `input` but leave stdin open after it, as a person who never presses Ctrl+D. */
  open?: boolean;
  /** Extra flags; `--port` (`--path`: see `takesPath`) is added by `server()` and `client()`
   * unless given here. */
  args?: string[];
  env?: Record<string, string>;
  /** Start it with `npx tsx scripts/NAME`, the README's own command (slow: about 0.7 s). */
  npx?: boolean;
  /** The folder it runs in (default: the kit's root). */
  cwd?: string;
  /** A runner other than KIT_RUNNER's (see `command`). */
  runner?: string;
  /** Run it in a pseudo-terminal this many columns wide (test/fixtures/term.py): stdin is
   * typed at it, stdout is what it writes to the screen, escape codes and all. */
  terminal?: number;
  /** Start it as the leader of a process group of its own, and kill the whole group at teardown:
   * for a program the kit did not write (the checker's student file), which may start others. */
  group?: boolean;
}

/**
 * How a script is started: `KIT_RUNNER` names the runtime.
 * - `js` (the default): the script stripped of its types once (by esbuild, the transform tsx
 *   applies) and run as plain JavaScript by this Node: 130 ms a start instead of 370 ms with
 *   tsx's loader, which matters for a suite of a few hundred processes on two cores.
 * - `cjs`: the same, stripped as CommonJS: what tsx makes of a copy in a folder with no
 *   package.json (test/copy.test.ts; not a KIT_RUNNER).
 * - `mapped`: as `js`, with a source map, for a stack trace with the file's own lines (the
 *   checker's way to run a student's file; not a KIT_RUNNER).
 * - `tsx`: `node --import tsx`, as the README runs it on Node 20.
 * - `node`: the `.ts` file itself, with the `node` of `KIT_NODE` (22.18 or newer strips types).
 * - `deno`: `deno run -A` with the `deno` of `KIT_DENO`; `bun`: the `bun` of `KIT_BUN`.
 * `npm run test:runtimes` fetches pinned versions of each and runs the suite under all of them.
 */
export const RUNNER = process.env.KIT_RUNNER ?? 'js';
const RUNNERS = ['js', 'tsx', 'node', 'deno', 'bun'];
if (!RUNNERS.includes(RUNNER)) throw new Error(`KIT_RUNNER is one of ${RUNNERS.join(', ')}`);
const cacheDir = `${root}node_modules/.cache/sockets-kit/`;

/** The program and arguments that run a script file (any path: the tests also run copies). */
export function command(file: string, runner = RUNNER): string[] {
  const env = process.env;
  if (runner === 'tsx') return ['node', '--import', tsxLoader, file];
  if (runner === 'node') return [env.KIT_NODE ?? 'node', file];
  if (runner === 'deno') return [env.KIT_DENO ?? 'deno', 'run', '-A', file];
  if (runner === 'bun') return [env.KIT_BUN ?? 'bun', file];
  // js: stripped as an ES module, as tsx does inside the kit (package.json says "type": "module");
  // cjs: as CommonJS, as tsx does for a copy in a folder with no package.json (see copy.test.ts);
  // mapped: as js, with a source map, so that a stack trace names the file's own lines (the
  // checker's way to run a student's file).
  const format = runner === 'cjs' ? 'cjs' : 'esm';
  const mapped = runner === 'mapped';
  const source = readFileSync(file, 'utf8');
  const key = mapped ? `${file}\0${source}` : source; // a map names the file: one per path
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const stripped = `${cacheDir}${hash}/${basename(file).replace(/\.ts$/, format === 'esm' ? '.mjs' : '.cjs')}`;
  const node = mapped ? ['node', '--enable-source-maps'] : ['node'];
  if (!existsSync(stripped)) {
    const esbuild: typeof import('esbuild') = createRequire(import.meta.url)('esbuild'); // only now
    const map = mapped ? ({ sourcemap: 'inline', sourcefile: file } as const) : {};
    const { code } = esbuild.transformSync(source, {
      loader: 'ts',
      format,
      target: 'node20',
      ...map,
    });
    mkdirSync(dirname(stripped), { recursive: true });
    const partial = `${stripped}.${process.pid}`;
    writeFileSync(partial, code);
    renameSync(partial, stripped); // atomic: parallel test workers never see half a file
  }
  return [...node, stripped];
}

/** tsx's loader by absolute URL, so that `--import` finds it from any folder (a copy's too). */
export const tsxLoader = import.meta.resolve('tsx');

/** The start of a script's usage line as the script prints it: how it was started, from `cwd`. */
export function usagePrefix(file: string, cwd = root, runner = RUNNER): string {
  const shown = relative(cwd, command(file, runner).at(-1) ?? '');
  const run = {
    js: 'node',
    mapped: 'node',
    cjs: 'node',
    tsx: 'npx tsx',
    node: 'node',
    deno: 'deno run -A',
    bun: 'bun',
  };
  return `usage: ${run[runner as keyof typeof run]} ${shown} `;
}

// NODE_EXTRA_CA_CERTS costs 60 ms a start, and no script uses TLS.
const { NODE_EXTRA_CA_CERTS: _unused, ...childEnv } = process.env;

/**
 * Start a script as a real process (see `command`), with a time limit and a kill at teardown.
 * `name` is a file in `scripts/`, or an absolute path (a copy of a script elsewhere).
 */
export function start(t: Owner, name: string, options: StartOptions = {}): Proc {
  const { input, open, args = [], env, npx, runner, terminal, group } = options;
  const path = name.startsWith('/') ? name : scriptPath(name);
  const started = npx ? ['npx', 'tsx', path] : command(path, runner);
  const term = terminal ? ['python3', `${root}test/fixtures/term.py`] : [];
  const [file, ...rest] = [...term, ...started];
  const proc = execa(file ?? 'node', [...rest, ...args], {
    cwd: options.cwd ?? root,
    reject: false,
    timeout: PROCESS_TIMEOUT_MS,
    extendEnv: false,
    // DENO_NO_UPDATE_CHECK: Deno would otherwise look up its release server at every start.
    env: {
      ...childEnv,
      FORCE_COLOR: '0',
      DENO_NO_UPDATE_CHECK: '1',
      ...(terminal ? { COLS: `${terminal}` } : {}),
      ...env,
    },
    stdin: 'pipe',
    detached: group === true,
    ...(input && !open ? { input: lines(input) } : {}),
  }) as Proc;
  if (input && open) proc.stdin.write(lines(input));
  const decoder = new TextDecoder(); // streaming: a character split across chunks stays whole
  printed.set(proc, '');
  proc.stdout.on('data', (chunk: Buffer) =>
    printed.set(proc, printed.get(proc) + decoder.decode(chunk, { stream: true })),
  );
  complained.set(proc, '');
  proc.stderr.on('data', (chunk: Buffer) =>
    complained.set(proc, `${complained.get(proc) ?? ''}${chunk}`),
  );
  t.teardown(async () => {
    if (group && proc.pid) killGroup(proc.pid);
    proc.kill('SIGKILL');
    // A group's owner (the checker) promises nothing is left once it has cleaned up: wait until
    // the program is gone, sockets and all (a killed process drops its memory, and its command
    // line in /proc, a moment before its open files).
    if (group) await proc;
  });
  return proc;
}

/**
 * Start a program that is not one of the kit's scripts (curl, python3, redis-cli, the checker), in
 * the kit's root, with a script's time limit. At teardown it gets a SIGTERM, so that a program
 * that starts others (the checker) ends them too, and execa's SIGKILL 5 s later if it is still
 * there. `env` is added to this process's environment; `stripFinalNewline: false` keeps the last
 * line end of what it printed.
 */
export function program(
  t: Owner,
  file: string,
  args: string[],
  options: { env?: Record<string, string>; stripFinalNewline?: boolean } = {},
) {
  const proc = execa(file, args, {
    cwd: root,
    reject: false,
    timeout: PROCESS_TIMEOUT_MS,
    ...options,
  });
  t.teardown(() => proc.kill());
  return proc;
}

/** SIGKILL to every process of group `pid` (a `group: true` start), if any is left. */
export function killGroup(pid: number) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group has ended already
  }
}

export const lines = (input: string[]) => input.map((line) => `${line}\n`).join('');

export interface Server {
  proc: Proc;
  /** What came after `listening on`: `127.0.0.1:PORT`, `[::1]:PORT` or a path. */
  address: string;
  host: string;
  port: number;
  /** A UNIX-socket server's path (see `takesPath`); then `host` is '' and `port` NaN. */
  path?: string;
}

/** Start a server on `--port 0` and resolve once it prints `listening on …` as its first line. */
export async function server(t: Owner, name: string, options: StartOptions = {}): Promise<Server> {
  const args = options.args ?? [];
  const unix = takesPath(name);
  const proc = start(t, name, { ...options, args: unix ? withPath(t, args) : withPort(args, 0) });
  const address = await firstLine(proc);
  const match = /^listening on (?:\[(.+)\]|(.+)):(\d+)$/.exec(address);
  return {
    proc,
    address: address.replace(/^listening on /, ''),
    host: match?.[1] ?? match?.[2] ?? '',
    port: Number(match?.[3] ?? Number.NaN),
    ...(unix ? { path: address.replace(/^listening on /, '') } : {}),
  };
}

/** Run a client against a server to the end and return what it printed. */
export function client(
  t: Owner,
  name: string,
  to: { port: number; path?: string } | undefined,
  options: StartOptions = {},
): Proc {
  const args = options.args ?? [];
  if (takesPath(name)) return start(t, name, { ...options, args: withPath(t, args, to?.path) });
  return start(t, name, { ...options, args: to ? withPort(args, to.port) : args });
}

/** Everything each process has printed on stdout, and on stderr, so far. */
const printed = new WeakMap<Proc, string>();
const complained = new WeakMap<Proc, string>();

/** What a process has printed so far on each stream. */
export const output = (proc: Proc) => ({
  stdout: printed.get(proc) ?? '',
  stderr: complained.get(proc) ?? '',
});

/** What a process has printed so far, both streams, for a failure's message. */
export const printedSoFar = (proc: Proc) =>
  `stdout: ${JSON.stringify(output(proc).stdout.slice(-300))}; stderr: ${JSON.stringify(output(proc).stderr)}`;

/** Resolve with stdout so far once it contains `text`; reject if the process ends first. */
export function waitFor(proc: Proc, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const seen = printed.get(proc) ?? '';
      if (!seen.includes(text)) return false;
      proc.stdout.off('data', check);
      resolve(seen);
      return true;
    };
    if (check()) return;
    proc.stdout.on('data', check);
    proc.then((r) => {
      if (!check())
        reject(
          new Error(
            `exited (${r.exitCode ?? r.signal}) before printing ${JSON.stringify(text)}: ${r.stderr}`,
          ),
        );
    });
  });
}

/** Resolve with the first stdout line, which must be `listening on …`. */
export async function firstLine(proc: Proc): Promise<string> {
  const seen = await waitFor(proc, '\n');
  const line = seen.slice(0, seen.indexOf('\n'));
  if (!line.startsWith('listening on ')) {
    throw new Error(`first line was not "listening on …": ${JSON.stringify(line)}`);
  }
  return line;
}

function withPort(args: string[], port: number) {
  const at = args.indexOf('--port');
  if (at === -1) return [...args, '--port', String(port)];
  return args.map((arg, i) => (i === at + 1 ? String(port) : arg));
}

/** No stack trace may reach a student's terminal. */
export function assertNoStack(t: ExecutionContext, done: Done) {
  t.notRegex(String(done.stderr), /^\s+at /m, 'a stack trace reached stderr');
}

/** The contract for a failure: one plain line on stderr, exit 1, no stack trace. */
export function failsWithOneLine(t: ExecutionContext, done: Done, pattern: RegExp) {
  t.is(done.exitCode, 1, `exit code (stderr: ${done.stderr})`);
  t.regex(done.stderr, pattern);
  t.is(done.stderr.split('\n').length, 1, 'one line on stderr');
  assertNoStack(t, done);
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolve once `seen()` holds `text` (a string, or a pattern it matches); reject after 30 s,
 * saying what `what` showed instead (its end). For text that arrives on a socket rather than a
 * stdout. The 30 s catch a hang: on a quiet machine the longest wait is well under a second. */
export async function until(
  seen: () => string,
  text: string | RegExp,
  what = 'the socket',
  ms = 30_000,
) {
  const holds = () => (typeof text === 'string' ? seen().includes(text) : text.test(seen()));
  const began = performance.now();
  while (!holds()) {
    if (performance.now() - began > ms) {
      const tail = seen().slice(-300);
      throw new Error(`${what} never showed ${text}; it ended with ${JSON.stringify(tail)}`);
    }
    await pause(5);
  }
}

/** Poll `check()` every 20 ms until it holds, for at most 10 s; the caller asserts it afterwards
 * (for a state the kernel reaches by itself, as `ss` or /proc show it, once a process has acted:
 * on a busy machine the process may act late). */
export async function settled(check: () => boolean) {
  const began = performance.now();
  while (!check() && performance.now() - began < 10_000) await pause(20);
}

/**
 * A raw TCP (or UNIX) socket to a server, as `nc` is, closed at teardown. Its errors never reach
 * the test as an uncaught exception (which would end every test of the file): a reset or a broken
 * pipe from a server the test started is kept, and `write()` reports it where it happens.
 */
export async function dial(
  t: Owner,
  s: Server,
  host = '127.0.0.1',
  /** Keep its side open when the server closes its own (by default Node answers a FIN with one):
   * a peer like the tutorial's client, which reads the end and still holds its socket. */
  { hold = false } = {},
): Promise<Socket> {
  const options = { allowHalfOpen: hold };
  const socket = s.path
    ? connect({ ...options, path: s.path })
    : connect({ ...options, port: s.port, host });
  socket.on('error', (err) => peerErrors.set(socket, err)); // a bad or a vanishing client
  t.teardown(() => socket.destroy());
  await once(socket, 'connect');
  return socket;
}

const peerErrors = new WeakMap<Writable, Error>();

/**
 * Write to a socket or to a process's stdin, waiting while its buffer is full, as a well-behaved
 * sender does. If the other end goes away first (a reset, a broken pipe, a process that ended),
 * it rejects with what happened and `context()` (say, the server's stderr) instead of waiting
 * for a 'drain' that never comes.
 */
export async function write(
  stream: Writable,
  chunk: string | Uint8Array,
  context: () => string = () => '',
): Promise<void> {
  const gone = (why: string) => new Error(`the other end went away (${why}) ${context()}`.trim());
  if (stream.destroyed || stream.writableEnded)
    throw gone(peerErrors.get(stream)?.message ?? 'closed');
  if (stream.write(chunk)) return;
  const ac = new AbortController();
  try {
    await Promise.race([
      once(stream, 'drain', { signal: ac.signal }),
      once(stream, 'close', { signal: ac.signal }).then(() => {
        throw gone(peerErrors.get(stream)?.message ?? 'closed');
      }),
    ]);
  } catch (err) {
    throw (err as Error).message.startsWith('the other end') ? err : gone((err as Error).message);
  } finally {
    ac.abort();
  }
}

/**
 * A port that nothing listens on, and that nothing else will take while the test runs: one below
 * the range the kernel hands out for port 0 (Linux's ip_local_port_range, 32768 and up), which
 * no test asks for by number. A port taken from that range and let go may be handed to another
 * test's server a moment later (a client then got an answer where it expected none).
 */
export async function freePort(protocol: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000); // 20000-31999
    const probe =
      protocol === 'tcp'
        ? createServer().listen(port, '127.0.0.1')
        : createSocket('udp4').bind(port, '127.0.0.1');
    // once() rejects on 'error': the port is in use by some program of this machine, try another
    const taken = await once(probe, 'listening').then(
      () => false,
      () => true,
    );
    if (!taken) await new Promise<void>((resolve) => probe.close(() => resolve()));
    if (!taken) return port;
  }
}

/**
 * A TCP server played by the test: each connection is handed to `onConnection`; socket errors
 * (the script under test may reset it) are ignored. Closed when the test ends. A `host` that
 * starts with `/` is a UNIX socket path (lesson 19's server): it listens there instead.
 */
export async function peerServer(
  t: Owner,
  onConnection: (socket: Socket) => void,
  host = '127.0.0.1',
  /** Keep each connection's side open when the client closes its own (see `dial`'s `hold`). */
  { hold = false } = {},
): Promise<{ port: number; path?: string }> {
  const peer = createServer({ allowHalfOpen: hold }, (socket) =>
    onConnection(socket.on('error', () => {})),
  );
  if (host.startsWith('/')) peer.listen(host);
  else peer.listen(0, host);
  await once(peer, 'listening');
  t.teardown(() => peer.close());
  if (host.startsWith('/')) return { port: Number.NaN, path: host };
  return { port: (peer.address() as AddressInfo).port };
}

/** Occupy a port on loopback, TCP or UDP, for the length of the test. */
export async function occupiedPort(t: Owner, protocol: 'tcp' | 'udp' = 'tcp') {
  const holder =
    protocol === 'tcp'
      ? createServer().listen(0, '127.0.0.1')
      : createSocket('udp4').bind(0, '127.0.0.1');
  await once(holder, 'listening');
  t.teardown(() => holder.close());
  return (holder.address() as AddressInfo).port;
}

// ---- TCP socket states, read from the kernel (added for lessons 05 and 06) -------------------

/** A TCP socket as Linux lists it in /proc/net/tcp and /proc/net/tcp6. */
export interface TcpSocket {
  localPort: number;
  remotePort: number;
  /** The state's name, e.g. LISTEN, ESTABLISHED, TIME_WAIT. */
  state: string;
  /** For a LISTEN socket: the connections completed but not yet accepted (the backlog queue). */
  rxQueue: number;
  /** The socket's inode: which socket it is, as /proc/PID/fd names it (`socket:[INODE]`). */
  inode: number;
}

const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

/** Every TCP socket on this machine whose local or remote port is `port`: IPv4 and IPv6, or
 * IPv4 alone (another test's server may hold the same port number on ::1). Each once: the kernel
 * writes /proc/net/tcp a page at a time, and a table that changes between two pages can show a
 * socket twice; a busy suite opens and closes connections all the time. */
export function tcpSockets(port: number, { ipv6 = true } = {}): TcpSocket[] {
  const files = ipv6 ? ['/proc/net/tcp', '/proc/net/tcp6'] : ['/proc/net/tcp'];
  const rows = files.flatMap((file) => readFileSync(file, 'utf8').trim().split('\n').slice(1));
  const seen = new Set<string>();
  return rows
    .map((row) => row.trim().split(/\s+/))
    .filter((fields) => {
      const key = [...fields.slice(1, 4), fields[9]].join(' '); // addresses, state, inode
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((fields) => {
      const [, local = '', remote = '', state = '', queues = ''] = fields;
      return {
        localPort: Number.parseInt(local.split(':')[1] ?? '', 16),
        remotePort: Number.parseInt(remote.split(':')[1] ?? '', 16),
        state: TCP_STATES[state] ?? state,
        rxQueue: Number.parseInt(queues.split(':')[1] ?? '', 16),
        inode: Number(fields[9]),
      };
    })
    .filter((s) => s.localPort === port || s.remotePort === port);
}

/** The backlog a TCP socket listening on `port` was given: `ss -ltn` shows it as its Send-Q. */
export function listenBacklog(port: number): number {
  const { stdout } = execaSync('ss', ['-ltnH', `sport = :${port}`]); // /proc/net/tcp omits it
  return Number(stdout.trim().split(/\s+/)[2]);
}

// ---- UDP: datagrams sent by the test itself ----------------------------------------------------

/** A UDP socket bound on loopback until the test ends: to hold a port, or to play a peer. */
export async function udpSocket(t: Owner, host = '127.0.0.1'): Promise<DgramSocket> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  socket.bind(0, host);
  await once(socket, 'listening');
  t.teardown(() => {
    try {
      socket.close();
    } catch {
      // the test closed it already
    }
  });
  return socket;
}

/** The datagram `drained()` sends itself: a test's own 'message' handler ignores it. */
export const isMarker = (datagram: Buffer) => datagram.toString('latin1').startsWith('\0drained ');

/**
 * Resolve once every datagram that reached `socket` before now has been handed to its 'message'
 * handlers. A socket's receive queue is first in, first out, so a datagram it sends to itself
 * arrives behind all of them. After a peer process has exited, everything it sent is queued; but
 * on a busy machine the test may hear of the exit before it has read them.
 */
export async function drained(socket: DgramSocket): Promise<void> {
  const marker = Buffer.from(`\0drained ${process.hrtime.bigint()}`, 'latin1');
  const arrived = new Promise<void>((resolve) => {
    const check = (datagram: Buffer) => {
      if (!datagram.equals(marker)) return;
      socket.off('message', check);
      resolve();
    };
    socket.on('message', check);
  });
  const { address, port } = socket.address();
  socket.send(marker, port, address);
  await arrived;
}

/**
 * Send one datagram to a UDP server and resolve with the first datagram that comes back, or with
 * `undefined` when nothing came within `ms`. A send that fails (EMSGSIZE) rejects.
 */
export async function sendDatagram(
  to: { host: string; port: number },
  payload: string | Uint8Array,
  ms = 5000,
): Promise<Buffer | undefined> {
  const socket = createSocket(to.host.includes(':') ? 'udp6' : 'udp4');
  try {
    const answer = once(socket, 'message', { signal: AbortSignal.timeout(ms) });
    answer.catch(() => undefined); // awaited below; if the send fails first, never "unhandled"
    await new Promise<void>((sent, failed) =>
      socket.send(payload, to.port, to.host, (err) => (err ? failed(err) : sent())),
    );
    return ((await answer) as [Buffer])[0];
  } catch (err) {
    if ((err as Error).name === 'AbortError') return undefined;
    throw err;
  } finally {
    socket.close();
  }
}

// ---- a limit on how many tests of one file run at once ------------------------------------------

/**
 * ava starts every test of a file at once. For a file of a few hundred process-starting tests
 * (the bad-input matrix) that floods two cores: tests then take longer than the time limit of
 * their processes. `limited(n)` returns a wrapper that lets at most n test bodies run at a time.
 * ava's own timeout restarts with every finished test, so waiting for a turn does not count.
 */
export function limited(n: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(body: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((go) => waiting.push(go));
    running++;
    try {
      return await body();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

// ---- folders --------------------------------------------------------------------------------

/** A fresh folder, `sockets-kit-NAME-…` in the system's temporary folder, removed with all it
 * holds when the test ends: for a copy of a script, a file it writes, a student's file. */
export function tempFolder(t: Owner, name: string): string {
  const folder = mkdtempSync(join(tmpdir(), `sockets-kit-${name}-`));
  t.teardown(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

// ---- UNIX sockets (lessons 18-19): --path instead of --port ------------------------------------

/** A script that takes `--path` (a UNIX socket) instead of `--host`/`--port`. */
export const takesPath = (name: string) => /\d\d-unix-/.test(basename(name));

const socketPaths = new WeakMap<Owner, string>();

/**
 * The test's own socket path, in a fresh folder removed when the test ends. `server()` and
 * `client()` give it as `--path` to a UNIX-socket script that has none, as they give `--port`
 * to the others, so a server and its client in one test meet there and tests never collide.
 * The folder is `/tmp/sockets-kit-test-…`: a lesson's `/tmp/sockets-kit-<uid>.sock` (the
 * scripts' default, in os.tmpdir()) stands for it in a transcript.
 */
export function socketPath(t: Owner): string {
  let path = socketPaths.get(t);
  if (!path) {
    const folder = mkdtempSync('/tmp/sockets-kit-test-');
    t.teardown(() => rmSync(folder, { recursive: true, force: true }));
    path = `${folder}/chat.sock`;
    socketPaths.set(t, path);
  }
  return path;
}

function withPath(t: Owner, args: string[], path = socketPath(t)) {
  return args.includes('--path') ? args : [...args, '--path', path];
}
