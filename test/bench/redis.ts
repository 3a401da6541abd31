/**
 * `npm run bench:redis`: lesson 29's room across processes through Redis, side by side in one run
 * with lesson 20's room alone, under the load generator of `npm run bench:room` (load.ts). Not
 * part of any test. Needs redis-server (and redis-cli) on the PATH; loopback only.
 *
 * For 1,000 and 10,000 clients, each setup in turn:
 * - `20`: lesson 20, one process, no broker.
 * - `29 ×1`: one 29 process and a Redis: what the broker costs when it spreads nothing.
 * - `29 ×2`: two 29 processes on two ports and a Redis; the clients alternate between them.
 * - `29 ×2, one port` (Node 22.12 and newer): two copies of 29 whose listen() asks for
 *   SO_REUSEPORT (`reusePort: true`), on one port: the kernel spreads the connections. Node 20
 *   has no such option: its second process gets EADDRINUSE, as the run shows.
 * Each: seat the clients; 10 messages a second in all for 3 s (deliveries/s, p50, p99 of the
 * delivery latency); a flood (median of three 1-s runs, at most 200,000 deliveries outstanding);
 * the CPU share of each room, of Redis and of the load generator, from /proc/PID/stat; Redis's
 * own count and time of its PUBLISH calls (INFO commandstats), and its CPU time for the whole run;
 * how often a client was told that its room was split (a room that lost Redis); how many
 * deliveries the rooms made per write system call in the floods (/proc/PID/io), a count that,
 * unlike the times, does not depend on what else the machine is doing.
 * Flags: --sizes 1000,10000 --rate 10 --seconds 3 --window 200000 --only 20,29x1,29x2,reuse
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { command, scriptPath, tempFolder } from '../harness.ts';
import { type Redis, redisServer } from '../redis/server.ts';
import { fetched } from '../runtimes-cache.ts';
import {
  cpuSeconds,
  cpuTotal,
  type Flood,
  fixed,
  flood,
  hangUpAll,
  raiseFileLimit,
  seat,
  startServer,
  steady,
  tally,
  thousands,
} from './load.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000' },
    rate: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '3' },
    window: { type: 'string', default: '200000' },
    only: { type: 'string', default: '20,29x1,29x2,reuse' },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const [RATE, SECONDS, WINDOW] = [values.rate, values.seconds, values.window].map(Number) as [
  number,
  number,
  number,
];
const SETUPS = values.only.split(',');
if (SIZES.some((n) => !(n >= 2)) || !(RATE > 0) || !(SECONDS > 0) || !(WINDOW >= 1)) {
  console.error('usage: npm run bench:redis -- [--sizes 1000,10000] [--rate 10] [--seconds 3]');
  process.exit(2);
}
const soft = raiseFileLimit(Math.max(...SIZES) + 200);
const TIME_LIMIT_S = 1800;

const running = new Set<ChildProcess>();
const cleanups: (() => unknown)[] = [];
const owner = { teardown: (fn: () => unknown) => cleanups.push(fn) };
function stopAll() {
  for (const proc of running) proc.kill('SIGKILL');
  for (const fn of cleanups.splice(0).reverse()) fn();
}
process.on('exit', stopAll);
process.on('SIGINT', () => process.exit(1));
setTimeout(() => {
  console.error(`stopped: the run took longer than ${TIME_LIMIT_S} s`);
  process.exit(1);
}, TIME_LIMIT_S * 1000).unref();

const ROOM20 = scriptPath('20-chat-room-server.ts');
const ROOM29 = scriptPath('29-chat-room-redis.ts');

/** A copy of 29 whose listen() asks for SO_REUSEPORT: the one call changed. */
function reusing() {
  const source = readFileSync(ROOM29, 'utf8');
  const call = '.listen(port, host);';
  if (!source.includes(call)) throw new Error(`29 has no "${call}"`);
  const copy = join(tempFolder(owner, 'bench-redis'), '29-reuse-port.ts'); // removed after the run
  writeFileSync(copy, source.replace(call, '.listen({ port, host, reusePort: true });'));
  return copy;
}

interface Setup {
  rooms: { pid: number; port: number }[];
  redis?: Redis;
  note: string;
}

async function start(setup: string): Promise<Setup> {
  const max = ['--max-clients', `${Math.max(...SIZES) + 100}`];
  if (setup === '20') {
    const { proc, port } = await startServer([...command(ROOM20), '--port', '0', ...max], running);
    return { rooms: [{ pid: proc.pid ?? 0, port }], note: '' };
  }
  const redis = await redisServer(owner);
  const linked = ['--redis', redis.address, ...max];
  if (setup === '29x1' || setup === '29x2') {
    const rooms = [];
    for (let i = 0; i < (setup === '29x1' ? 1 : 2); i++) {
      const room = await startServer([...command(ROOM29), '--port', '0', ...linked], running);
      rooms.push({ pid: room.proc.pid ?? 0, port: room.port });
    }
    return { rooms, redis, note: '' };
  }
  // reuse: the same port twice, with Node 22 (reusePort came in 22.12 and 23.1).
  const node22 = fetched('node22');
  const copy = reusing();
  const first = await startServer([node22.binary, copy, '--port', '0', ...linked], running);
  const second = await startServer(
    [node22.binary, copy, '--port', `${first.port}`, ...linked],
    running,
  );
  const rooms = [first, second].map((r) => ({ pid: r.proc.pid ?? 0, port: first.port }));
  return { rooms, redis, note: `Node ${node22.version}` };
}

/** How many write system calls process `pid` has made (/proc/PID/io, syscw: write and writev). */
function writes(pid: number) {
  return Number(/^syscw: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? Number.NaN);
}

/** How the kernel spread the connections on `port` between the rooms (ss -tnp). */
function spread(port: number, pids: number[]) {
  const ss = spawnSync('ss', ['-tnpH', 'state', 'established', `sport = :${port}`], {
    encoding: 'utf8',
  }).stdout;
  return pids.map((pid) => ss.split('\n').filter((l) => l.includes(`pid=${pid},`)).length);
}

const percent = (x: number) => `${fixed(x * 100, 0)} %`;

async function run(setup: string, n: number) {
  const s = await start(setup);
  const pids = [...s.rooms.map((r) => r.pid), ...(s.redis ? [s.redis.pid] : [])];
  tally.split = 0;
  const ports = [...new Set(s.rooms.map((r) => r.port))];
  const [before, own] = [pids.map(cpuSeconds), process.cpuUsage()];
  const { peers, seconds: seatS } = await seat(ports, n);
  const seatCpu = pids.map((pid, i) => cpuSeconds(pid) - (before[i] ?? 0));
  const benchSeat = cpuTotal(process.cpuUsage(own));
  const held = peers.filter((p) => p.open && p.seated).length;
  const roomPids = s.rooms.map((r) => r.pid);
  const shared = ports.length === 1 && roomPids.length > 1 ? spread(ports[0] ?? 0, roomPids) : [];
  const steadyFrom = pids.map(cpuSeconds);
  const st = await steady(peers, SECONDS, RATE);
  const steadyCpu = pids.map((pid, i) => (cpuSeconds(pid) - (steadyFrom[i] ?? 0)) / st.seconds);
  const roomWrites = () => s.rooms.reduce((sum, r) => sum + writes(r.pid), 0);
  const writesFrom = roomWrites();
  const floods: Flood[] = [];
  let delivered = 0;
  for (let i = 0; i < 3; i++) {
    floods.push(await flood(pids, peers, 1, WINDOW));
    delivered += tally.deliveries; // flood() counts from 0 each time
  }
  const writesPerDelivery = (roomWrites() - writesFrom) / delivered;
  const f = floods.sort((a, b) => a.perSecond - b.perSecond)[1] as Flood; // the median of 3
  const redisCpu = s.redis ? cpuSeconds(s.redis.pid) - (before.at(-1) ?? 0) : Number.NaN;
  // Redis's own count and time of every PUBLISH in the run, fan-out to the subscribers included.
  const stats = s.redis ? await s.redis.cli('info', 'commandstats') : '';
  const [, calls = 'NaN', perCall = 'NaN'] =
    /cmdstat_publish:calls=(\d+),usec=\d+,usec_per_call=([\d.]+)/.exec(stats) ?? [];
  const roomsFlood = f.cpus.slice(0, s.rooms.length).reduce((a, b) => a + b, 0);
  for (const proc of running) proc.kill('SIGKILL');
  for (const fn of cleanups.splice(0).reverse()) await fn();
  await hangUpAll(peers);
  const rooms = s.rooms.length;
  const share = (all: number[]) => ({
    rooms: all.slice(0, rooms),
    redis: s.redis ? (all[rooms] ?? 0) : Number.NaN,
  });
  return {
    setup,
    n,
    held,
    seatS,
    seatCpu: share(seatCpu),
    benchSeat,
    shared,
    st,
    steadyCpu: share(steadyCpu),
    f,
    floodCpu: share(f.cpus),
    perRoomCpu: f.perSecond / roomsFlood, // deliveries per CPU-second of the rooms together
    writesPerDelivery,
    publish: { calls: Number(calls), usec: Number(perCall) },
    redisCpu,
    splits: tally.split,
    note: s.note,
  };
}

/** What a second listen({ reusePort: true }) on a port already so taken gives on `node`. */
function reusePort(node: string) {
  const script = `const net = require('net');
    const open = (port, then) => net.createServer()
      .on('error', (e) => { console.log(e.code); process.exit(); })
      .listen({ port, host: '127.0.0.1', reusePort: true }, function () { then(this.address().port); });
    open(0, (port) => open(port, () => { console.log('both listen'); process.exit(); }));`;
  return spawnSync(node, ['-e', script], { encoding: 'utf8' }).stdout.trim();
}

type Row = Awaited<ReturnType<typeof run>>;
const names: Record<string, string> = {
  '20': '20 alone',
  '29x1': '29 ×1 + Redis',
  '29x2': '29 ×2 + Redis',
  reuse: '29 ×2, one port + Redis',
};

function table(rows: Row[]) {
  const head = `| setup | clients | held | seated in | deliveries/s at ${RATE} msg/s | p50 | p99 | flood deliveries/s | rooms' CPU, flood | deliveries per room CPU-second | deliveries per room write() | load generator, flood | PUBLISH calls | Redis's µs per call (its own count) | Redis CPU, whole run | Redis CPU per PUBLISH | told "split" |`;
  const lines = rows.map((r) => {
    const rooms = r.floodCpu.rooms.map(percent).join(' + ');
    const redis = Number.isNaN(r.redisCpu)
      ? ['–', '–', '–', '–']
      : [
          thousands(r.publish.calls),
          `${fixed(r.publish.usec, 2)} µs`,
          `${fixed(r.redisCpu, 2)} s`,
          `${fixed((r.redisCpu / r.publish.calls) * 1e6, 1)} µs`,
        ];
    return `| ${names[r.setup]}${r.note ? ` (${r.note})` : ''} | ${thousands(r.n)} | ${thousands(r.held)} | ${fixed(r.seatS)} s | ${thousands(r.st.perSecond)} | ${fixed(r.st.p50)} ms | ${fixed(r.st.p99)} ms | ${thousands(r.f.perSecond)} | ${rooms} | ${thousands(r.perRoomCpu)} | ${fixed(1 / r.writesPerDelivery, 1)} | ${percent(r.f.bench)} | ${redis.join(' | ')} | ${r.splits} |`;
  });
  return [head, head.replace(/[^|]+/g, '---'), ...lines].join('\n');
}

async function main() {
  const redisVersion = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout;
  console.log(
    `bench:redis — Node ${process.version}, ${redisVersion.split(' ').slice(0, 3).join(' ')}, ${cpus().length} CPUs, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ulimit -n ${soft}`,
  );
  const node22 = fetched('node22');
  for (const [binary, version] of [
    [process.execPath, process.version],
    [node22.binary, node22.version],
  ] as const) {
    console.log(`  ${version}, two listen({ reusePort: true }) on one port: ${reusePort(binary)}`);
  }
  const rows: Row[] = [];
  for (const n of SIZES) {
    for (const setup of SETUPS) {
      const row = await run(setup, n);
      rows.push(row);
      const rooms = (x: number[]) => x.map((c) => fixed(c, 1)).join(' + ');
      console.log(
        `  ${names[setup]} ${n}: held ${row.held}, seated in ${fixed(row.seatS)} s (CPU s: rooms ${rooms(row.seatCpu.rooms)}, Redis ${fixed(row.seatCpu.redis)}, bench ${fixed(row.benchSeat)})${row.shared.length ? `, connections per room ${row.shared.join(' / ')}` : ''}, delivered ${row.st.delivered}/${row.st.expected}, p99 ${fixed(row.st.p99)} ms, flood ${thousands(row.f.perSecond)}/s`,
      );
    }
  }
  console.log(
    `\n${table(rows)}\n\nload now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench:redis failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
