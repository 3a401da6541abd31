/**
 * The checker's core. A check set is a lesson's wire-level checks, run against a student's copy
 * of a script in the role it plays (a server, or a client), with a raw peer played here on the
 * other end (never the kit's own script: a template with no scripts/ is checked alike). Starts, waits and peers are the test harness's own
 * (test/harness.ts): the checker is the suite's way of looking at a script, turned on a copy.
 *
 * A check fails by throwing a `Miss`: what it sent, what it expected, what came instead. Nothing
 * here sleeps to wait for a program: a server is awaited on its `listening on` line, a client on
 * its connection, and every wait has a limit that says what was missing when it ran out.
 */

import type { Socket as DgramSocket, RemoteInfo } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Done,
  dial,
  killGroup,
  limited,
  type Owner,
  output,
  type Proc,
  pause,
  peerServer,
  type Server,
  type StartOptions,
  socketPath,
  start,
  takesPath,
  udpSocket,
  until,
  waitFor,
} from '../test/harness.ts';

/** How long a check waits for any one thing (a line, a connection, an exit) before it says what
 * was missing. KIT_CHECK_WAIT_MS changes it: the checker's own tests wait less for what must
 * never come. */
export const WAIT_MS = Number(process.env.KIT_CHECK_WAIT_MS ?? 10_000);

export interface Check {
  /** What it checks, as the student reads it: "ends the chat when the client sends bye". */
  name: string;
  /** The heading of the lesson section to reread when it fails ("How it works"). */
  section: string;
  run(c: Context): Promise<void>;
}

/**
 * A classic wrong solution, kept as edits to the kit's script (so it cannot drift from it): the
 * checker must fail it, on the check named, with a line that says what went wrong.
 */
export interface Wrong {
  lesson: string;
  /** The mistake, as a teacher would name it: "one data event taken for one message". */
  what: string;
  /** Each `[from, to]`: the first `from` in the script is replaced by `to`. */
  edits: [string, string][];
  /** A part of the name of the check that must fail. */
  fails: string;
  /** What that check's line must say. */
  says: RegExp;
}

export interface CheckSet {
  /** The lesson's number, '01' to '25'. */
  lesson: string;
  /** The kit's script the student's copy stands in for: the reference, which passes. */
  script: string;
  /** A server is started and awaited on `listening on`; a client is given a peer to talk to. */
  role: 'server' | 'client';
  /** Flags a server needs beside `--port 0` to start as the lesson runs it (24: `--out FILE`,
   * without which its stdout is the file): its built-in first check gives them. */
  serveArgs?: string[];
  checks: Check[];
}

/** A check that did not hold. Every field is a short phrase: the check's line joins them. */
export class Miss extends Error {
  readonly sent: string;
  readonly expected: string;
  readonly got: string;
  constructor(sent: string, expected: string, got: string) {
    super(`sent ${sent}; expected ${expected}; got ${got}`);
    [this.sent, this.expected, this.got] = [sent, expected, got];
  }
}

/** Short, one-line, quoted: how the checker shows bytes or text in a result line. */
export function shown(value: string | Buffer, max = 60): string {
  const text = typeof value === 'string' ? value : value.toString('utf8');
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}

/** The student's program's own stderr, marked as theirs, for a line that reports a crash. */
export function theirs(proc: Proc): string {
  const text = output(proc).stderr;
  if (!text.trim()) return '';
  const lines = text.trimEnd().split('\n').slice(0, 12);
  return `\n    your program's stderr:\n${lines.map((l) => `    | ${l}`).join('\n')}`;
}

/**
 * One check's run: it owns every process and socket started in it (they are killed when the check
 * ends, pass or fail), and starts the student's file in its role.
 */
export class Context implements Owner {
  private cleanups: (() => unknown)[] = [];
  /** The student's file, an absolute path. */
  readonly file: string;
  readonly set: CheckSet;
  /** How to run it: one of the harness's runners (js, tsx, node, deno, bun). */
  readonly runner: string | undefined;
  constructor(file: string, set: CheckSet, runner?: string) {
    [this.file, this.set, this.runner] = [file, set, runner];
  }

  teardown(fn: () => unknown) {
    this.cleanups.push(fn);
  }

  async close() {
    for (const fn of this.cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // a socket already closed, a process already gone
      }
    }
  }

  /** Start the student's file with these flags (and stdin); its whole process group is killed
   * when the check ends. */
  start(options: StartOptions = {}): Proc {
    // js (the default): stripped of its types, with a source map so its stack traces are its own
    const runner = !this.runner || this.runner === 'js' ? 'mapped' : this.runner;
    const proc = start(this, this.file, { ...options, runner, group: true });
    if (proc.pid) groups.add(proc.pid);
    return proc;
  }

  /**
   * Start the student's file as a server on `--port 0` (or a `--path` of the check's own) and
   * resolve once its first line says where it listens. A file that exits first, prints something
   * else, says nothing, or listens where it was not asked to, is a Miss that says which.
   */
  async serve(options: StartOptions = {}): Promise<Server> {
    const unix = takesPath(this.set.script);
    const where = unix ? ['--path', socketPath(this)] : ['--port', '0'];
    const proc = this.start({ ...options, args: [...(options.args ?? []), ...where] });
    const sent = `${where.join(' ')}${options.args?.length ? ` ${options.args.join(' ')}` : ''}`;
    const expected = `a first line "listening on ${unix ? 'PATH' : 'HOST:PORT'}"`;
    const line = await firstLineOf(proc, WAIT_MS).catch((why: string) => {
      // With --port 0 no port is ever in use: one that is was not taken from --port.
      const inUse = !unix && /in use|EADDRINUSE/.test(output(proc).stderr);
      const hint = inUse
        ? ' (with --port 0 no port is in use: is the port written in the code?)'
        : '';
      throw new Miss(sent, expected, `${why}${hint}${theirs(proc)}`);
    });
    const m = /^listening on (?:\[(.+)\]|([^\s:]+)):(\d+)$/.exec(line);
    if (unix) {
      if (line !== `listening on ${where[1]}`) throw new Miss(sent, expected, shown(line));
      return { proc, address: where[1] ?? '', host: '', port: Number.NaN, path: where[1] };
    }
    if (!m) throw new Miss(sent, expected, shown(line));
    const [host, port] = [m[1] ?? m[2] ?? '', Number(m[3])];
    if (!ephemeral(port))
      throw new Miss(
        sent,
        'a port the kernel picks (it ignores --port: is the port written in the code?)',
        `it listens on ${port}`,
      );
    return { proc, address: line.slice('listening on '.length), host, port };
  }

  /** Start the student's file as a client of `to` (`--port`, or `--path` for AF_UNIX). */
  client(to: { port: number; path?: string }, options: StartOptions = {}): Proc {
    const where = to.path ? ['--path', to.path] : ['--port', String(to.port)];
    return this.start({ ...options, args: [...(options.args ?? []), ...where] });
  }
}

/** A folder of the check's own, removed when the check ends. */
export function folder(c: Owner) {
  const dir = mkdtempSync(join(tmpdir(), 'sockets-kit-check-'));
  c.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The process groups of every student program started, for a last sweep (Ctrl+C). */
const groups = new Set<number>();
export function killAll() {
  for (const pid of groups) killGroup(pid);
  // Then wait (at most 2 s) until each is dead: a zombie, or gone; its sockets closed with it.
  const deadline = Date.now() + 2000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const pid of groups) {
    while (Date.now() < deadline && alive(pid)) Atomics.wait(pause, 0, 0, 10);
  }
}

function alive(pid: number) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The ports the kernel gives for port 0 (Linux's net.ipv4.ip_local_port_range). */
function ephemeral(port: number) {
  try {
    const [low = 32768, high = 60999] = readFileSync(
      '/proc/sys/net/ipv4/ip_local_port_range',
      'utf8',
    )
      .trim()
      .split(/\s+/)
      .map(Number);
    return port >= low && port <= high;
  } catch {
    return port >= 1024; // not Linux: at least not a port written in the code as low as the lessons'
  }
}

/** The first line a program prints, or a rejection that says why there is none. */
function firstLineOf(proc: Proc, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const { stdout } = output(proc);
      const within = `within ${ms / 1000} s`;
      reject(
        stdout ? `no whole line ${within}: only ${shown(stdout)}` : `nothing printed ${within}`,
      );
    }, ms);
    waitFor(proc, '\n').then(
      (seen) => {
        clearTimeout(timer);
        resolve(seen.slice(0, seen.indexOf('\n')));
      },
      () => {
        clearTimeout(timer);
        proc.then((r) => reject(`it exited (${r.exitCode ?? r.signal}) before printing a line`));
      },
    );
  });
}

/**
 * Wait for `text` on a process's stdout, or fail with what it printed instead: `sent` and
 * `expected` say what the check did and wanted.
 */
export async function prints(proc: Proc, text: string, sent: string, expected = shown(text)) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${WAIT_MS / 1000} s`)), WAIT_MS);
  });
  try {
    await Promise.race([waitFor(proc, text), late]);
  } catch (err) {
    const ended = proc.exitCode !== null ? `it exited (${proc.exitCode}); ` : '';
    const why = (err as Error).message.startsWith('not within')
      ? `${ended}not within ${WAIT_MS / 1000} s; `
      : ended;
    throw new Miss(sent, `it prints ${expected}`, `${why}${lastWords(proc)}${theirs(proc)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** The end of what a process printed on stdout, shown. */
export function lastWords(proc: Proc) {
  const { stdout } = output(proc);
  if (!stdout) return 'it printed nothing';
  if (stdout.length <= 80) return `it printed ${shown(stdout, 80)}`;
  const tail = stdout.slice(-80);
  const from = tail.indexOf('\n') + 1; // from the start of a line, where one starts in the tail
  return `it printed …${shown(from > 0 && from < tail.length ? tail.slice(from) : tail, 80)}`;
}

/** Wait until `holds()` is true; else throw the Miss that `miss()` makes (what came instead). */
export async function waitUntil(holds: () => boolean, miss: () => Miss, ms = WAIT_MS) {
  await until(() => (holds() ? 'y' : ''), 'y', 'the program', ms).catch(() => {
    throw miss();
  });
}

/** How a process ended, in words: "it exited (1)", or "it was ended by SIGKILL". */
export const ended = (done: Done) =>
  done.exitCode === null ? `it was ended by ${done.signal}` : `it exited (${done.exitCode})`;

/** The first line of what an ended process said on stderr, as ", saying …"; '' if nothing. */
export const saying = (done: Done) =>
  done.stderr ? `, saying ${shown(done.stderr.split('\n')[0] ?? '', 100)}` : '';

/** Resolve with how a process ended, or fail if it is still running after the limit. */
export async function ends(proc: Proc, sent: string, expected: string) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), WAIT_MS);
  });
  const done = await Promise.race([proc, late]);
  clearTimeout(timer);
  if (done === 'late')
    throw new Miss(
      sent,
      expected,
      `it was still running after ${WAIT_MS / 1000} s; ${lastWords(proc)}`,
    );
  return done;
}

/** A Miss unless a process ended with this exit code; says what it printed on stderr if not. */
export async function exitsWith(proc: Proc, code: number, sent: string, expected: string) {
  return exitedWith(proc, await ends(proc, sent, expected), code, sent, expected);
}

/** `done`, how `proc` ended, unless its exit code is not `code`: then a Miss that says how. */
export function exitedWith(proc: Proc, done: Done, code: number, sent: string, expected: string) {
  if (done.exitCode !== code) {
    const how =
      done.exitCode === null ? `it was ended by ${done.signal}` : `exit code ${done.exitCode}`;
    throw new Miss(sent, expected, `${how}; ${lastWords(proc)}${theirs(proc)}`);
  }
  return done;
}

/**
 * The failure the lessons teach: one plain line on stderr (so no stack trace), exit 1 (2 for a
 * usage line). The line must match `about` (it says what failed: the address, the size), so that
 * a crash of another kind never passes for it.
 */
export async function failsInOneLine(
  proc: Proc,
  sent: string,
  expected: string,
  about: RegExp,
  code = 1,
) {
  const done = await exitsWith(proc, code, sent, expected);
  const said = done.stderr.trim();
  const lines = said.split('\n').length;
  if (lines > 1)
    throw new Miss(sent, expected, `exit ${code}, but ${lines} lines on stderr${theirs(proc)}`);
  if (!about.test(said))
    throw new Miss(sent, expected, `exit ${code}, but stderr ${shown(said, 120)}`);
  return done;
}

export interface Result {
  check: Check;
  miss?: Miss;
  /** Not run, because the first check failed. */
  skipped?: boolean;
}

/** Every server's first check: it starts, and says where it listens, where it was asked to. */
const starts: Check = {
  name: 'starts, and its first line says where it listens ("listening on …")',
  section: 'Run it',
  async run(c) {
    await c.serve({ args: c.set.serveArgs ?? [] });
  },
};

/** Run one check in a context of its own, which is cleaned up (processes killed) however it ends. */
async function runOne(check: Check, set: CheckSet, file: string, runner?: string) {
  const c = new Context(file, set, runner);
  const result: Result = { check };
  try {
    await withLimit(check.run(c), 4 * WAIT_MS);
  } catch (err) {
    result.miss =
      err instanceof Miss
        ? err
        : new Miss('(see the check)', 'no error', `${(err as Error).message ?? err}`);
  } finally {
    await c.close();
  }
  return result;
}

/**
 * Run every check of a set against `file`. The first (for a server, that it starts) runs alone:
 * if it fails, the others are not run, since each would fail the same way. The rest run a few at
 * a time, each in a context of its own.
 */
export async function runSet(
  set: CheckSet,
  file: string,
  runner?: string,
  onResult: (r: Result, index: number) => void = () => {},
): Promise<Result[]> {
  const [gate, ...rest] = set.role === 'server' ? [starts, ...set.checks] : set.checks;
  if (!gate) return [];
  const first = await runOne(gate, set, file, runner);
  onResult(first, 0);
  if (first.miss) {
    const skipped = rest.map((check, i) => {
      const r: Result = { check, miss: new Miss('', '', ''), skipped: true };
      onResult(r, i + 1);
      return r;
    });
    return [first, ...skipped];
  }
  const turn = limited(2 * availableParallelism());
  const others = rest.map((check, i) =>
    turn(async () => {
      const r = await runOne(check, set, file, runner);
      onResult(r, i + 1);
      return r;
    }),
  );
  return [first, ...(await Promise.all(others))];
}

async function withLimit<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Miss('(the whole check)', `an end within ${ms / 1000} s`, 'it hangs')),
      ms,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A socket the checker talks through: what it has received so far, and waits for more. */
export interface Talk {
  socket: Socket;
  /** Everything received so far, as UTF-8 text. */
  text(): string;
  /** Wait until the received text holds `text`; else a Miss saying what came instead. */
  receives(text: string | RegExp, sent: string): Promise<void>;
  /** Wait until the other side has closed (its FIN, or a reset); else a Miss. */
  closed(sent: string, expected: string): Promise<void>;
}

function talk(socket: Socket): Talk {
  let got = Buffer.alloc(0);
  let over = false;
  socket.on('data', (d: Buffer) => {
    got = Buffer.concat([got, d]);
  });
  socket.on('end', () => {
    over = true;
  });
  socket.on('close', () => {
    over = true;
  });
  const text = () => got.toString('utf8');
  return {
    socket,
    text,
    async receives(wanted, sent) {
      await until(text, wanted, 'the program', WAIT_MS).catch(() => {
        const came = got.length ? `it sent ${shown(text(), 80)}` : 'it sent nothing';
        const whole = typeof wanted === 'string' ? shown(wanted) : String(wanted);
        throw new Miss(sent, `it sends ${whole}`, `${came}${over ? ' and closed' : ''}`);
      });
    },
    async closed(sent, expected) {
      await waitUntil(
        () => over,
        () => new Miss(sent, expected, `the connection was still open after ${WAIT_MS / 1000} s`),
      );
    },
  };
}

/** Connect to a student's server, and talk. */
export async function connectTo(c: Context, s: Server, host?: string): Promise<Talk> {
  // It holds its side open when the program closes its own, as the tutorial's client does: a
  // program that waits for its peer's FIN before it ends is caught.
  const socket = await dial(c, s, host, { hold: true }).catch((err: NodeJS.ErrnoException) => {
    throw new Miss(`a connection to ${s.address}`, 'it accepts it', `${err.code ?? err.message}`);
  });
  return talk(socket);
}

/**
 * A server played by the checker, for a student's client: `next()` resolves with each connection
 * in turn, or a Miss if none comes (a client that connects elsewhere, or never).
 */
export async function listen(c: Context, host = '127.0.0.1') {
  const arrived: Talk[] = [];
  // It holds each connection open when the client closes its side: a client that waits for
  // the server's FIN before it ends is caught.
  const at = await peerServer(c, (socket) => arrived.push(talk(socket)), host, { hold: true });
  let taken = 0;
  return {
    ...at,
    /** The next connection; `proc` is the client expected to make it (a Miss at once if it
     * exits without connecting). */
    async next(sent: string, proc?: Proc): Promise<Talk> {
      const want = ++taken;
      const expected = `a connection to ${at.path ?? `127.0.0.1:${at.port}`}`;
      const came = until(() => (arrived.length >= want ? 'y' : ''), 'y', 'the client', WAIT_MS);
      const first = await Promise.race([came.then(() => undefined), ...(proc ? [proc] : [])]).catch(
        () => {
          throw new Miss(
            sent,
            expected,
            'none came (is the port written in the code, not taken from --port?)',
          );
        },
      );
      if (first && arrived.length < want) {
        const where = at.path ? '--path' : '--port';
        const hint = ` (nothing came to the ${where} it was given: is it written in the code?)`;
        throw new Miss(sent, expected, `${ended(first)} without connecting${saying(first)}${hint}`);
      }
      return arrived[want - 1] as Talk;
    },
  };
}

// ---- UDP ---------------------------------------------------------------------------------------

/** A UDP socket the checker plays a peer with: what it received (and from whom), and waits. */
export interface Datagrams {
  socket: DgramSocket;
  port: number;
  /** Every datagram received so far, oldest first. */
  got: { data: Buffer; from: RemoteInfo }[];
  /** Wait for the n-th datagram (1 for the first); else a Miss saying what came instead. */
  nth(n: number, sent: string, expected: string): Promise<{ data: Buffer; from: RemoteInfo }>;
  /** Send a datagram to a port on loopback (the student's program, or where it sent from). */
  send(data: string | Buffer, port: number): void;
}

export async function datagrams(c: Context, host = '127.0.0.1'): Promise<Datagrams> {
  const socket = await udpSocket(c, host);
  const got: { data: Buffer; from: RemoteInfo }[] = [];
  socket.on('message', (data: Buffer, from: RemoteInfo) => got.push({ data, from }));
  return {
    socket,
    port: socket.address().port,
    got,
    async nth(n, sent, expected) {
      await waitUntil(
        () => got.length >= n,
        () => {
          const came = got.length
            ? `only ${got.length}: ${got.map((d) => shown(d.data, 30)).join(', ')}`
            : 'none';
          return new Miss(sent, expected, `datagrams: ${came}`);
        },
      );
      return got[n - 1] as { data: Buffer; from: RemoteInfo };
    },
    send(data, port) {
      socket.send(data, port, host);
    },
  };
}

/**
 * Whether the program at the other end of `socket` has read all that was sent to it, before
 * `until` (a performance.now() time). /proc/net/tcp is read in the thread pool: on a machine
 * with many sockets it takes tens of milliseconds, which a synchronous read would take from every
 * other check's waits.
 */
export async function readBy(socket: Socket, until: number): Promise<boolean> {
  const file = socket.remoteFamily === 'IPv6' ? '/proc/net/tcp6' : '/proc/net/tcp';
  const hex = (port = 0) => port.toString(16).toUpperCase().padStart(4, '0');
  const [program, checker] = [`:${hex(socket.remotePort)} `, `:${hex(socket.localPort)} `];
  const unread = async () => {
    for (const row of (await readFile(file, 'utf8')).split('\n')) {
      const [, local = '', remote = '', , queues = ''] = row.trim().split(/\s+/);
      if (`${local} `.endsWith(program) && `${remote} `.endsWith(checker))
        return Number.parseInt(queues.split(':')[1] ?? '0', 16); // tx_queue:rx_queue
    }
    return 0; // gone: nothing more will be read
  };
  while (performance.now() < until) {
    if ((await unread()) === 0) return true;
    await pause(5);
  }
  return false;
}
