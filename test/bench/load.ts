/**
 * The load generator of the room benchmarks (lesson 20's `npm run bench:room`, lesson 29's
 * `npm run bench:redis`): one process here holds every client socket, seats them with their
 * nicknames, sends at a steady rate (each message carries its send time: a latency per copy that
 * arrives), and floods, with a bounded number of deliveries outstanding. Loopback only.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { pause } from '../harness.ts';

/** Each seating is given this long: asyncio took 90 s and more to seat 10,000 on a slow day. */
const SEAT_LIMIT_MS = 180_000;

/**
 * Each side holds one file descriptor per client: raise the soft limit to the hard one if
 * `needed` are more, by running this process again under a shell (Node cannot call setrlimit()).
 * Returns the soft limit in force.
 */
export function raiseFileLimit(needed: number): number {
  const [soft, hard] = (
    /Max open files\s+(\S+)\s+(\S+)/.exec(readFileSync('/proc/self/limits', 'utf8')) ?? []
  )
    .slice(1)
    .map((v) => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v))) as [number, number];
  if (soft < needed && !process.env.ROOM_BENCH_RAISED) {
    if (hard < needed) {
      console.error(
        `ulimit -n is ${soft} (hard limit ${hard}): ${needed} are needed — lower --sizes`,
      );
      process.exit(1);
    }
    // Node cannot call setrlimit(): run again under a shell that raises the soft limit to the hard.
    const again = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
    const quoted = again.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
    const env = { ...process.env, ROOM_BENCH_RAISED: '1' };
    const run = spawnSync('sh', ['-c', `ulimit -Sn ${hard} && exec ${quoted}`], {
      stdio: 'inherit',
      env,
    });
    process.exit(run.status ?? 1);
  }
  return soft;
}

/**
 * Start a server (`argv`, with its `--port 0`) and resolve with its port once it prints
 * `listening on`; it is added to `running` (for the caller to kill) until it exits. What it prints
 * afterwards (a room's joins and leaves) is read and dropped.
 */
export async function startServer(argv: string[], running: Set<ChildProcess>) {
  const [file = '', ...args] = argv;
  const proc = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
  let seen: string | undefined = '';
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout?.on('data', (chunk: Buffer) => {
      if (seen === undefined) return; // the join and leave lines: drained, not kept
      seen += chunk;
      const m = /^listening on .+:(\d+)\n/.exec(seen);
      if (m) {
        resolve(Number(m[1]));
        seen = undefined;
      }
    });
    proc.once('exit', (code) => reject(new Error(`${argv.join(' ')} exited (${code}) first`)));
  });
  return { proc, port };
}

// ---- a process's memory and CPU, from /proc ------------------------------------------------

export function status(pid: number, field: 'VmRSS' | 'VmHWM') {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  return Number(m?.[1] ?? Number.NaN) / 1024; // MiB
}

export const cpuTotal = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

export function cpuSeconds(pid: number) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100)
}

// ---- the clients -----------------------------------------------------------------------------

export interface Peer {
  socket: Socket;
  nick: string;
  greeted: boolean;
  seated: boolean;
  open: boolean;
  rest: string; // the start of a line whose end has not arrived yet
  worst: number; // the longest delivery latency this client saw in the current phase
}

/** What every client's 'data' handler feeds: deliveries and their latencies. */
export const tally = {
  deliveries: 0,
  bytes: 0,
  latencies: [] as number[],
  measuring: false,
  cutOff: 0,
  split: 0, // lesson 29: a room that lost Redis told a client so
};
let lastByteAt = 0;

function receive(p: Peer, text: string) {
  tally.bytes += text.length;
  lastByteAt = performance.now();
  if (text.includes(' was too slow and was disconnected\n')) tally.cutOff++;
  if (text.includes('* the room is split: ')) tally.split++;
  const all = p.rest + text;
  const end = all.lastIndexOf('\n') + 1;
  p.rest = all.slice(end);
  if (!p.greeted && all.includes('nickname?\n')) p.greeted = true;
  if (!p.seated && all.includes('* you are ')) p.seated = true;
  // Only messages start with '<': `<c17> m 1234.567` carries the time it was sent.
  for (let at = all.indexOf('<'); at !== -1 && at < end; at = all.indexOf('<', at + 1)) {
    const mark = all.indexOf('> m ', at);
    const nl = all.indexOf('\n', mark);
    if (mark === -1 || nl === -1) break;
    tally.deliveries++;
    if (tally.measuring) {
      const ms = performance.now() - Number(all.slice(mark + 4, nl));
      tally.latencies.push(ms);
      if (ms > p.worst) p.worst = ms;
    }
    at = nl;
  }
}
let peerCount = 0;

function dial(port: number): Peer {
  const socket = connect(port, '127.0.0.1');
  const p: Peer = {
    socket,
    nick: `c${peerCount++}`,
    greeted: false,
    seated: false,
    open: true,
    rest: '',
    worst: 0,
  };
  socket.setEncoding('latin1'); // one byte, one character: the counts above are bytes
  socket.on('data', (text: string) => receive(p, text));
  socket.on('error', () => {});
  socket.on('close', () => {
    p.open = false;
  });
  return p;
}

/**
 * Connect n clients (at most 500 handshakes at a time), then name them in waves of 500 (each
 * wave sends its nicknames at once, as `printf 'ann\n' | nc` does); resolve when all are seated
 * and the join news has stopped (or after SEAT_LIMIT_MS). All n at once would put every join of
 * the run into one turn of the room's loop: each client's outbox would hold them all at once.
 * With several rooms (`ports`), the clients go to each in turn; `connected()` is called once all
 * are connected, before any has a name (the rooms' RSS then).
 */
export async function seat(ports: number[], n: number, connected: () => number = () => Number.NaN) {
  const began = performance.now();
  const peers: Peer[] = [];
  const greeted = () => peers.filter((p) => p.greeted).length;
  while (greeted() < n && performance.now() - began < SEAT_LIMIT_MS) {
    const waiting = peers.filter((p) => p.open && !p.greeted).length;
    for (let k = waiting; k < 500 && peers.length < n; k++) {
      peers.push(dial(ports[peers.length % ports.length] ?? 0)); // in turn, room after room
    }
    await pause(5);
  }
  const rssConnected = connected(); // n connections, no names yet
  for (let from = 0; from < peers.length; from += 500) {
    const wave = peers.slice(from, from + 500);
    for (const p of wave) p.socket.write(`${p.nick}\n`);
    const seated = () => wave.every((p) => p.seated || !p.open);
    while (!seated() && performance.now() - began < SEAT_LIMIT_MS) await pause(5);
  }
  // The join news goes on after the last client is seated: wait until it has stopped.
  while (performance.now() - lastByteAt < 300 && performance.now() - began < SEAT_LIMIT_MS) {
    await pause(50);
  }
  return { peers, seconds: (performance.now() - began) / 1000, rssConnected };
}

function percentile(sorted: number[], q: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** --rate messages a second in all, from the clients in turn; latencies of every copy. */
export async function steady(peers: Peer[], seconds: number, rate: number) {
  const senders = peers.filter((p) => p.open && p.seated);
  for (const p of senders) p.worst = 0;
  Object.assign(tally, { deliveries: 0, latencies: [], measuring: true });
  const began = performance.now();
  let sent = 0;
  let expected = 0;
  while (performance.now() - began < seconds * 1000) {
    const due = Math.floor(((performance.now() - began) / 1000) * rate) + 1;
    for (; sent < due; sent++) {
      const from = senders[sent % senders.length];
      if (!from?.open) continue;
      from.socket.write(`m ${performance.now().toFixed(3)}\n`);
      expected += senders.filter((p) => p.open).length - 1;
    }
    await pause(Math.max(1, 1000 / rate / 4));
  }
  // The schedule, not the clock: `sent` messages at --rate took sent/rate seconds to send, so a
  // room that delivered every copy scores (n−1) × rate, whatever the length of the last pause.
  const window = sent / rate;
  const drainBegan = performance.now();
  while (tally.deliveries < expected && performance.now() - drainBegan < 3000) await pause(10);
  tally.measuring = false;
  const sorted = tally.latencies.sort((a, b) => a - b);
  return {
    perSecond: tally.deliveries / window,
    expected,
    delivered: tally.deliveries,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
    sawLate: (ms: number) => senders.filter((p) => p.worst > ms).length,
    receivers: senders.length,
    seconds: (performance.now() - began) / 1000,
  };
}

export type Flood = Awaited<ReturnType<typeof flood>>;

/**
 * As many messages as the rooms take, with at most `window` deliveries (and 1,000 messages)
 * outstanding; the CPU share of each process in `pids` (the rooms, a broker) meanwhile.
 */
export async function flood(
  pids: number[],
  peers: Peer[],
  seconds: number,
  window: number,
  line = (t: string) => `m ${t}\n`,
) {
  const senders = peers.filter((p) => p.open && p.seated);
  const others = Math.max(1, senders.length - 1);
  const inFlight = Math.max(1, Math.min(1000, Math.floor(window / others)));
  Object.assign(tally, { deliveries: 0, latencies: [], measuring: false });
  const [cpu, own] = [pids.map(cpuSeconds), process.cpuUsage()];
  const began = performance.now();
  let sent = 0;
  while (performance.now() - began < seconds * 1000) {
    const open = senders.filter((p) => p.open).length;
    while (sent - tally.deliveries / Math.max(1, open - 1) < inFlight) {
      const from = senders[sent++ % senders.length];
      if (from?.open) from.socket.write(line(performance.now().toFixed(3)));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const took = (performance.now() - began) / 1000;
  const cpus = pids.map((pid, i) => (cpuSeconds(pid) - (cpu[i] ?? 0)) / took);
  const bench = cpuTotal(process.cpuUsage(own)) / took; // the load generator's own share
  return { perSecond: tally.deliveries / took, cpu: cpus[0] ?? 0, cpus, bench };
}

export async function hangUpAll(peers: Peer[]) {
  for (const p of peers) p.socket.destroy();
  await pause(200);
}

// ---- the report ------------------------------------------------------------------------------

export const fixed = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
export const thousands = (x: number) =>
  Number.isFinite(x) ? Math.round(x).toLocaleString('en') : '–';
