/**
 * `npm run bench:python`: the kit's scripts against the tutorial's own Python listings, on the
 * two numbers a class notices. Not part of `npm test`; it needs python3 and your copies of two
 * listings, which stay outside the kit:
 *
 *   npm run bench:python -- --tcp-listing tcp_server.py --udp-listing udp_server.py
 *
 * `tcp_server.py` is listing 二.1 ① (it binds 127.0.0.1:8088), `udp_server.py` listing 二.2 ①
 * (127.0.0.1:9000). Without a listing, only the kit's side of that comparison runs.
 *
 * 1. Start-up: from the command to the first accepted TCP connection (a probe connects every
 *    millisecond), for every way a student may start 01: `npx tsx` and `node --import tsx` on
 *    this Node (20) and on Node 24, plain `node` 22 and 24 (they strip types themselves),
 *    `deno run -A`, `bun`, and `python3` with the TCP listing, both through the `python3` on the
 *    PATH (a pyenv shim here) and through the interpreter itself (`sys.executable`). The other
 *    runtimes are the pinned ones of `npm run test:runtimes`, fetched on first use. All on port
 *    8088, the listing's; runs alternate between the commands.
 * 2. UDP echo: a sequential client here sends `hello`, waits for the answer, and sends again,
 *    against 03-udp-server.ts (through `node --import tsx`) and the UDP listing, both printing to
 *    /dev/null. Requests per second, and the server's CPU time per request from /proc.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { root } from '../harness.ts';
import { fetched } from '../runtimes-cache.ts';

/** Every server started and not yet stopped: a failure or Ctrl+C kills them all. */
const running = new Set<number>();
const killGroup = (pid: number) => {
  try {
    process.kill(-pid, 'SIGKILL'); // the whole group: npx, tsx and node
  } catch {
    // the group has ended by itself already
  }
  running.delete(pid);
};
function quit(message: string): never {
  for (const pid of running) killGroup(pid);
  console.error(message);
  process.exit(1);
}
process.on('uncaughtException', (err) => quit(err.message));
process.on('SIGINT', () => quit('stopped'));

const { values } = parseArgs({
  options: {
    'tcp-listing': { type: 'string' },
    'udp-listing': { type: 'string' },
    runs: { type: 'string', default: '31' },
    rounds: { type: 'string', default: '5' },
    requests: { type: 'string', default: '20000' },
  },
});
const [RUNS, ROUNDS, REQUESTS] = [values.runs, values.rounds, values.requests].map((text) => {
  if (!/^\d+$/.test(text))
    quit(`--runs, --rounds and --requests take a whole number, not '${text}'`);
  return Number(text);
}) as [number, number, number];

/** Start a command in a process group of its own, so that killing it kills npx's children too. */
function launch(argv: string[]) {
  const [file = '', ...args] = argv;
  // As on a student's machine: this one sets NODE_EXTRA_CA_CERTS, which costs every Node start.
  const { NODE_EXTRA_CA_CERTS: _unused, ...env } = process.env;
  env.PATH = `${pathFirst.get(argv) ?? ''}${process.env.PATH}`;
  env.DENO_NO_UPDATE_CHECK = '1'; // or Deno looks up its release server at every start
  const proc = spawn(file, args, { cwd: root, detached: true, stdio: 'ignore', env });
  running.add(proc.pid as number);
  return proc;
}

async function stop(proc: ReturnType<typeof launch>) {
  const gone = proc.exitCode !== null || proc.signalCode !== null;
  const exited = gone ? Promise.resolve() : once(proc, 'exit');
  killGroup(proc.pid as number);
  await exited;
}

/** Resolve true once a TCP connection to 127.0.0.1:port is accepted, false once refused. */
function accepted(port: number) {
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy(); // the probe closes first: its TIME_WAIT stays on this side
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function untilFree(port: number) {
  for (let tries = 0; await accepted(port); tries++) {
    if (tries > 100) throw new Error(`127.0.0.1:${port} is in use: stop what listens there`);
    await pause(50);
  }
}

/** Milliseconds from spawning the command to its first accepted connection on port. */
async function startUp(argv: string[], port: number) {
  await untilFree(port);
  const began = performance.now();
  const proc = launch(argv);
  while (!(await accepted(port))) {
    if (proc.exitCode !== null) throw new Error(`${argv.join(' ')} exited with ${proc.exitCode}`);
    await pause(1);
  }
  const ms = performance.now() - began;
  await stop(proc);
  return ms;
}

/** The CPU seconds (user + system) a process has used so far, from /proc/PID/stat. */
function cpuSeconds(pid: number) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
}

/** Sequential requests to a UDP echo server: requests per second and server CPU per request. */
async function echoLoad(argv: string[], port: number) {
  const proc = launch(argv);
  const client = createSocket('udp4');
  client.connect(port, '127.0.0.1');
  await once(client, 'connect');
  client.on('error', () => {}); // ECONNREFUSED while the server is still starting: ask again
  let answered = (_: boolean) => {};
  client.on('message', () => answered(true));
  const ask = (ms = 0) =>
    new Promise<boolean>((resolve) => {
      answered = resolve;
      if (ms) setTimeout(() => resolve(false), ms);
      client.send('hello');
    });
  while (!(await ask(200))) if (proc.exitCode !== null) throw new Error(`${argv[0]} exited`);
  for (let i = 0; i < 500; i++) await ask(); // warm up
  if (proc.exitCode !== null) throw new Error(`${argv.join(' ')} exited: is port ${port} free?`);
  const cpu = cpuSeconds(proc.pid as number);
  const began = performance.now();
  for (let i = 0; i < REQUESTS; i++) await ask();
  const seconds = (performance.now() - began) / 1000;
  const cpuPerRequest = ((cpuSeconds(proc.pid as number) - cpu) / REQUESTS) * 1e6;
  client.close();
  await stop(proc);
  return { perSecond: REQUESTS / seconds, cpuPerRequest };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const range = (xs: number[], digits = 0) =>
  `median ${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

const server01 = 'scripts/01-tcp-server.ts';
const [node24, node22, deno, bun] = ['node24', 'node22', 'deno', 'bun'].map((n) => fetched(n));
/** A folder put first on the PATH for one command: `npx tsx` on Node 24 finds that node. */
const pathFirst = new Map<string[], string>();
const npxOn24 = ['npx', 'tsx', server01, '--port', '8088'];
pathFirst.set(npxOn24, `${dirname(node24?.binary ?? '')}:`);
const starters: Record<string, string[]> = {
  [`npx tsx (Node ${process.versions.node})`]: ['npx', 'tsx', server01, '--port', '8088'],
  [`node --import tsx (Node ${process.versions.node})`]: ['node', '--import', 'tsx', server01],
  [`npx tsx (Node ${node24?.version.slice(1)})`]: npxOn24,
  [`node --import tsx (Node ${node24?.version.slice(1)})`]: [
    node24?.binary ?? '',
    ...['--import', 'tsx', server01],
  ],
  [`node (Node ${node22?.version.slice(1)})`]: [node22?.binary ?? '', server01],
  [`node (Node ${node24?.version.slice(1)})`]: [node24?.binary ?? '', server01],
  [`deno run -A (${deno?.version.split(' ')[1]})`]: [deno?.binary ?? '', 'run', '-A', server01],
  [`bun (${bun?.version})`]: [bun?.binary ?? '', server01],
};
if (values['tcp-listing']) {
  const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], {
    encoding: 'utf8',
  }).stdout.trim();
  starters['python3 listing (PATH)'] = ['python3', values['tcp-listing']];
  starters['python3 listing (sys.executable)'] = [python, values['tcp-listing']];
}

console.log(`# Start-up to the first accepted connection, ms (${RUNS} runs each)`);
if (process.env.NODE_EXTRA_CA_CERTS) {
  console.log('(NODE_EXTRA_CA_CERTS is set here; the commands run without it, as a student would)');
}
const startTimes: Record<string, number[]> = {};
for (let run = 0; run < RUNS; run++) {
  for (const [name, argv] of Object.entries(starters)) {
    startTimes[name] = [...(startTimes[name] ?? []), await startUp(argv, 8088)];
  }
}
for (const [name, ms] of Object.entries(startTimes)) console.log(`${name.padEnd(36)} ${range(ms)}`);

const echoers: Record<string, string[]> = {
  '03-udp-server.ts': ['node', '--import', 'tsx', 'scripts/03-udp-server.ts', '--port', '9000'],
};
if (values['udp-listing']) echoers['python3 listing 二.2 ①'] = ['python3', values['udp-listing']];

console.log(`\n# UDP echo, ${REQUESTS} sequential requests (${ROUNDS} rounds each)`);
if (process.env.PYTHONUNBUFFERED)
  console.log('(PYTHONUNBUFFERED is set: Python writes every print at once)');
const echoes: Record<string, { perSecond: number[]; cpu: number[] }> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, argv] of Object.entries(echoers)) {
    const { perSecond, cpuPerRequest } = await echoLoad(argv, 9000);
    const seen = echoes[name] ?? { perSecond: [], cpu: [] };
    echoes[name] = { perSecond: [...seen.perSecond, perSecond], cpu: [...seen.cpu, cpuPerRequest] };
  }
}
for (const [name, { perSecond, cpu }] of Object.entries(echoes)) {
  console.log(
    `${name.padEnd(24)} req/s ${range(perSecond)}; server CPU µs/request ${range(cpu, 1)}`,
  );
}
