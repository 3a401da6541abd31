/**
 * `npm run bench:room`: lesson 20's room under load, side by side in one run with the asyncio room
 * of `test/bench/room.py` (the same wire format, the same limits, the same outbox). Not part of
 * `npm test`. One process here holds every client socket; loopback only; it stops by itself.
 *
 * For 10, 100, 1,000 and 10,000 clients, each room in turn:
 * 1. Seat: connect the clients (at most 200 handshakes at a time), each chooses a nickname; the
 *    time until all are seated and the join news has stopped. Every join is news to all the
 *    others, so this is N(N-1)/2 deliveries: 50 million at 10,000.
 * 2. Steady: 10 messages a second in all (--rate), from the clients in turn, for --seconds. Each
 *    carries its send time; each copy that arrives gives a delivery latency (p50, p99).
 * 3. Flood: as many messages as the room takes, with at most --window deliveries (200,000; and
 *    1,000 messages) outstanding: deliveries per second and the room's CPU use, the median
 *    of three runs of 1 s. Both processes share the machine: the deliveries per CPU-second of
 *    the room are the fairer comparison of the two rooms.
 * Connections held (still open at the end); the room's RSS (/proc/PID/status) with the clients
 * connected but not yet named, and once all are seated (the join news has passed through).
 *
 * Then two demonstrations, at 10 clients: a client that stops reading while the others send 1 KB
 * lines as fast as they can, with the 64 KiB limit and without it (for 20: a copy of the script
 * with MAX_QUEUE = Infinity; room.py --no-queue-limit), where the RSS grows;
 * and a loop stalled for 200 ms every second (20 --stall 200) under the steady load.
 *
 * Prints a table and writes the SVG chart that lesson 20 shows (lessons/img/20-room.svg).
 * Flags: --sizes 10,100,1000,10000 --rate 10 --seconds 3 --window 200000 --svg PATH
 * --skip-demos (the table only), --only node,python, --server PATH (another copy of 20).
 * The window is large on purpose: with 20,000 outstanding, 1,000 clients have 20 messages in
 * flight, and the flood then measures the round trip between this process and the room (20's
 * CPU sat near 60 %), not what the room can take.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { command, root, scriptPath } from '../harness.ts';
import {
  cpuSeconds,
  cpuTotal,
  type Flood,
  fixed,
  flood,
  hangUpAll,
  type Peer,
  raiseFileLimit,
  seat,
  startServer,
  status,
  steady,
  tally,
  thousands,
} from './load.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,100,1000,10000' },
    rate: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '3' },
    svg: { type: 'string', default: `${root}lessons/img/20-room.svg` },
    server: { type: 'string', default: scriptPath('20-chat-room-server.ts') },
    only: { type: 'string', default: 'node,python' },
    window: { type: 'string', default: '200000' },
    'skip-demos': { type: 'boolean', default: false },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const KINDS = values.only.split(',') as Kind[];
const WINDOW = Number(values.window); // deliveries outstanding in the flood
if (SIZES.some((n) => !(n >= 2)) || !(RATE > 0) || !(SECONDS > 0) || !(WINDOW >= 1)) {
  console.error(
    'usage: npm run bench:room -- [--sizes 10,100,1000,10000] [--rate 10] [--seconds 3] [--window 200000] [--skip-demos]',
  );
  process.exit(2);
}
const TIME_LIMIT_S = 900; // the whole run; each seating has SEAT_LIMIT_MS
const soft = raiseFileLimit(Math.max(...SIZES) + 200); // each side holds one per client

// ---- the rooms -------------------------------------------------------------------------------

type Kind = 'node' | 'python';
/** The Python binary itself: a pyenv shim would stand between us and it (its pid, its RSS). */
const PYTHON = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], {
  encoding: 'utf8',
}).stdout.trim();
interface Room {
  kind: Kind;
  proc: ChildProcess;
  port: number;
}
const running = new Set<ChildProcess>();
function killAll() {
  for (const proc of running) proc.kill('SIGKILL');
}
process.on('exit', killAll);
process.on('SIGINT', () => {
  killAll();
  console.error('stopped');
  process.exit(1);
});
setTimeout(() => {
  killAll();
  console.error(`stopped: the run took longer than ${TIME_LIMIT_S} s`);
  process.exit(1);
}, TIME_LIMIT_S * 1000).unref();

async function startRoom(kind: Kind, extra: string[] = [], script = values.server): Promise<Room> {
  const [file = '', ...args] =
    kind === 'node' ? command(resolve(script)) : [PYTHON, `${root}test/bench/room.py`];
  const { proc, port } = await startServer([file, ...args, '--port', '0', ...extra], running);
  return { kind, proc, port };
}

async function stopRoom(room: Room) {
  if (room.proc.exitCode === null && room.proc.signalCode === null) {
    const exited = once(room.proc, 'exit');
    room.proc.kill('SIGKILL');
    await exited;
  }
}

// ---- one run: a room, a size ------------------------------------------------------------------

interface Row {
  kind: Kind;
  n: number;
  held: number;
  seatS: number;
  rssMiB: number;
  rssConnected: number;
  steadyPerS: number;
  steadyCpu: number;
  delivered: string;
  p50: number;
  p99: number;
  floodPerS: number;
  floodCpu: number;
  floodBench: number;
  seatCpu: { room: number; bench: number };
}

async function run(kind: Kind, n: number): Promise<Row> {
  const room = await startRoom(kind);
  const pid = room.proc.pid as number;
  const [roomCpu, ownCpu] = [cpuSeconds(pid), process.cpuUsage()];
  const {
    peers,
    seconds: seatS,
    rssConnected,
  } = await seat([room.port], n, () => status(pid, 'VmRSS'));
  const seatCpu = { room: cpuSeconds(pid) - roomCpu, bench: cpuTotal(process.cpuUsage(ownCpu)) };
  const rssMiB = status(pid, 'VmRSS');
  const steadyCpu = cpuSeconds(pid);
  const s = await steady(peers, SECONDS, RATE);
  const steadyCpuShare = (cpuSeconds(pid) - steadyCpu) / s.seconds;
  const floods = [
    await flood([pid], peers, 1, WINDOW),
    await flood([pid], peers, 1, WINDOW),
    await flood([pid], peers, 1, WINDOW),
  ];
  const f = floods.sort((a, b) => a.perSecond - b.perSecond)[1] as Flood; // the median of 3
  const held = peers.filter((p) => p.open && p.seated).length;
  await stopRoom(room);
  await hangUpAll(peers);
  return {
    kind,
    n,
    held,
    seatS,
    rssMiB,
    rssConnected,
    steadyPerS: s.perSecond,
    steadyCpu: steadyCpuShare,
    delivered: `${s.delivered}/${s.expected}`,
    p50: s.p50,
    p99: s.p99,
    floodPerS: f.perSecond,
    floodCpu: f.cpu,
    floodBench: f.bench,
    seatCpu,
  };
}

/** A copy of 20 without its limit: the one constant changed, in the system's temporary folder. */
function unbounded() {
  const source = readFileSync(resolve(values.server), 'utf8');
  const limit = 'const MAX_QUEUE = 64 * 1024;';
  if (!source.includes(limit)) throw new Error(`${values.server} has no line "${limit}"`);
  const folder = mkdtempSync(join(tmpdir(), 'sockets-kit-bench-room-'));
  process.on('exit', () => rmSync(folder, { recursive: true, force: true }));
  const copy = join(folder, '20-unbounded.ts');
  writeFileSync(copy, source.replace(limit, 'const MAX_QUEUE = Number.POSITIVE_INFINITY;'));
  return copy;
}

/** One client stops reading; ten others send 1 KB lines as fast as the room takes them. */
async function slowReader(kind: Kind, limit: boolean) {
  const room = await (limit || kind === 'python'
    ? startRoom(kind, limit ? [] : ['--no-queue-limit'])
    : startRoom(kind, [], unbounded()));
  const pid = room.proc.pid as number;
  const { peers } = await seat([room.port], 11);
  const slow = peers[0] as Peer;
  slow.socket.pause(); // reads no more: its kernel buffers fill, then the room's queue for it
  const before = status(pid, 'VmRSS');
  tally.cutOff = 0;
  const body = 'x'.repeat(1000);
  const f = await flood([pid], peers.slice(1), 3, WINDOW, (t) => `m ${t} ${body}\n`);
  const after = status(pid, 'VmRSS');
  const peak = status(pid, 'VmHWM');
  const dropped = tally.cutOff > 0; // the others were told
  await stopRoom(room);
  await hangUpAll(peers);
  return { kind, limit, before, after, peak, dropped, perSecond: f.perSecond };
}

/** The steady load with 20's loop stalled for 200 ms every second. */
async function stalled() {
  const room = await startRoom('node', ['--stall', '200']);
  const { peers } = await seat([room.port], 100);
  const s = await steady(peers, 5, RATE);
  await stopRoom(room);
  await hangUpAll(peers);
  return s;
}

// ---- the report -------------------------------------------------------------------------------

function table(rows: Row[]) {
  const head =
    '| room | clients | held | seated in | RSS connected | RSS seated | deliveries/s at 10 msg/s | delivered | p50 | p99 | room CPU | flood deliveries/s | room CPU, flood | deliveries per CPU-second |';
  const lines = rows.map(
    (r) =>
      `| ${r.kind === 'node' ? '20 (Node)' : 'room.py (asyncio)'} | ${thousands(r.n)} | ${thousands(r.held)} | ${fixed(r.seatS)} s | ${fixed(r.rssConnected, 0)} MiB | ${fixed(r.rssMiB, 0)} MiB | ${thousands(r.steadyPerS)} | ${r.delivered} | ${fixed(r.p50)} ms | ${fixed(r.p99)} ms | ${fixed(r.steadyCpu * 100, 0)} % | ${thousands(r.floodPerS)} | ${fixed(r.floodCpu * 100, 0)} % | ${thousands(r.floodPerS / r.floodCpu)} |`,
  );
  return [
    head.replace('at 10 msg/s', `at ${RATE} msg/s`),
    head.replace(/[^|]+/g, '---'),
    ...lines,
  ].join('\n');
}

/** Two panels against the number of clients (log scale): latency p50/p99, flood deliveries/s. */
function svg(rows: Row[]) {
  const W = 760;
  const H = 300;
  const pad = { left: 64, right: 16, top: 36, bottom: 44 };
  const panelW = (W - pad.left * 2 - pad.right * 2) / 2;
  const ns = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const lx = (n: number) => Math.log10(n);
  const [x0, x1] = [lx(ns[0] ?? 10), lx(ns.at(-1) ?? 10000)];
  const colour: Record<Kind, string> = { node: '#1f77b4', python: '#d62728' };
  const out: string[] = [];
  const panel = (
    index: number,
    title: string,
    unit: string,
    series: { kind: Kind; dash: string; label: string; y: (r: Row) => number }[],
    legendAtBottom = false, // where the lines are not: latency rises, deliveries fall
  ) => {
    const left = pad.left + index * (panelW + pad.left + pad.right);
    const values = series.flatMap((s) => rows.map(s.y)).filter((v) => Number.isFinite(v) && v > 0);
    const [ly0, ly1] = [
      Math.floor(Math.log10(Math.min(...values))),
      Math.ceil(Math.log10(Math.max(...values))),
    ];
    const px = (n: number) => left + ((lx(n) - x0) / (x1 - x0 || 1)) * panelW;
    const py = (v: number) =>
      pad.top + (1 - (Math.log10(v) - ly0) / (ly1 - ly0 || 1)) * (H - pad.top - pad.bottom);
    out.push(`<text x="${left}" y="20" font-weight="bold">${title}</text>`);
    out.push(
      `<rect x="${left}" y="${pad.top}" width="${panelW}" height="${H - pad.top - pad.bottom}" fill="none" stroke="#999"/>`,
    );
    for (let e = ly0; e <= ly1; e++) {
      const y = py(10 ** e);
      out.push(`<line x1="${left}" x2="${left + panelW}" y1="${y}" y2="${y}" stroke="#eee"/>`);
      const label = 10 ** e >= 1000 ? `${thousands(10 ** e)}` : `${10 ** e}`;
      out.push(
        `<text x="${left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${label}</text>`,
      );
    }
    out.push(
      `<text x="${left - 50}" y="${pad.top - 8}" font-size="11">${unit}</text>`,
      `<text x="${left + panelW / 2}" y="${H - 8}" text-anchor="middle" font-size="11">clients</text>`,
    );
    for (const n of ns) {
      out.push(
        `<text x="${px(n)}" y="${H - pad.bottom + 16}" text-anchor="middle" font-size="11">${thousands(n)}</text>`,
      );
    }
    series.forEach((s, i) => {
      const points = rows
        .filter((r) => r.kind === s.kind && Number.isFinite(s.y(r)) && s.y(r) > 0)
        .map((r) => `${px(r.n).toFixed(1)},${py(s.y(r)).toFixed(1)}`);
      out.push(
        `<polyline points="${points.join(' ')}" fill="none" stroke="${colour[s.kind]}" stroke-width="2" stroke-dasharray="${s.dash}"/>`,
      );
      for (const p of points) {
        const [x, y] = p.split(',');
        out.push(`<circle cx="${x}" cy="${y}" r="3" fill="${colour[s.kind]}"/>`);
      }
      const ly = legendAtBottom
        ? H - pad.bottom - 8 - (series.length - 1 - i) * 15
        : pad.top + 14 + i * 15;
      out.push(
        `<line x1="${left + 8}" x2="${left + 30}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour[s.kind]}" stroke-width="2" stroke-dasharray="${s.dash}"/>`,
        `<text x="${left + 34}" y="${ly}" font-size="11">${s.label}</text>`,
      );
    });
  };
  panel(0, `Delivery latency at ${RATE} messages/s in all`, 'ms', [
    { kind: 'node', dash: '', label: '20 (Node), p99', y: (r) => r.p99 },
    { kind: 'node', dash: '4 3', label: '20 (Node), p50', y: (r) => r.p50 },
    { kind: 'python', dash: '', label: 'room.py (asyncio), p99', y: (r) => r.p99 },
    { kind: 'python', dash: '4 3', label: 'room.py (asyncio), p50', y: (r) => r.p50 },
  ]);
  panel(
    1,
    'Deliveries per second, flooded',
    'per s',
    [
      { kind: 'node', dash: '', label: '20 (Node), measured', y: (r) => r.floodPerS },
      {
        kind: 'node',
        dash: '4 3',
        label: '20 (Node), per CPU-second',
        y: (r) => r.floodPerS / r.floodCpu,
      },
      { kind: 'python', dash: '', label: 'room.py, measured', y: (r) => r.floodPerS },
      {
        kind: 'python',
        dash: '4 3',
        label: 'room.py, per CPU-second',
        y: (r) => r.floodPerS / r.floodCpu,
      },
    ],
    true,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="13">
<title>Lesson 20's chat room against room.py (asyncio), measured by npm run bench:room</title>
<rect width="100%" height="100%" fill="white"/>
${out.join('\n')}
</svg>
`;
}

// ---- main -------------------------------------------------------------------------------------

async function main() {
  const python = spawnSync(PYTHON, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(
    `bench:room — Node ${process.version} (${command(resolve(values.server))[0]}), ${python}, ${cpus().length} CPUs, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ulimit -n ${soft}`,
  );
  const rows: Row[] = [];
  for (const n of SIZES) {
    for (const kind of KINDS) {
      const row = await run(kind, n);
      rows.push(row);
      console.log(
        `  ${kind} ${n}: held ${row.held}, seated in ${fixed(row.seatS)} s (CPU: room ${fixed(row.seatCpu.room)} s, bench ${fixed(row.seatCpu.bench)} s), RSS ${fixed(row.rssConnected, 0)}/${fixed(row.rssMiB, 0)} MiB, p50 ${fixed(row.p50)} ms, p99 ${fixed(row.p99)} ms, flood ${thousands(row.floodPerS)}/s (CPU: room ${fixed(row.floodCpu * 100, 0)} %, bench ${fixed(row.floodBench * 100, 0)} %)`,
      );
    }
  }
  console.log(`\n${table(rows)}\n`);
  if (values['skip-demos']) return;

  console.log('A client that stops reading, 10 others sending 1 KB lines for 3 s:\n');
  console.log(
    '| room | 64 KiB limit | slow client cut off | RSS before | RSS after | peak RSS | deliveries/s |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const kind of ['node', 'python'] as const) {
    for (const limit of [true, false]) {
      const r = await slowReader(kind, limit);
      console.log(
        `| ${kind === 'node' ? '20 (Node)' : 'room.py (asyncio)'} | ${limit ? 'yes' : 'no'} | ${r.dropped ? 'yes' : 'no'} | ${fixed(r.before, 0)} MiB | ${fixed(r.after, 0)} MiB | ${fixed(r.peak, 0)} MiB | ${thousands(r.perSecond)} |`,
      );
    }
  }

  const s = await stalled();
  console.log(
    `\n20 --stall 200 (the loop blocked 200 ms every second), 100 clients, ${RATE} msg/s for 5 s: p50 ${fixed(s.p50)} ms, p99 ${fixed(s.p99)} ms, max ${fixed(s.max)} ms; ${s.sawLate(100)} of ${s.receivers} clients saw a delivery more than 100 ms late`,
  );

  mkdirSync(dirname(values.svg), { recursive: true });
  writeFileSync(values.svg, svg(rows));
  console.log(
    `\nwrote ${values.svg}; load now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    killAll();
    console.error(`bench:room failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
