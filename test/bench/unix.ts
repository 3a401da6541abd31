/**
 * `npm run bench:unix`: a UNIX socket against TCP on loopback (lesson 18 quotes the numbers).
 * Not part of `npm test`.
 *
 * The two are measured side by side in one run, alternating, RUNS times each, and the medians
 * are compared, so a machine that is busy hurts both alike (it is shared: run it when it is
 * quiet, and trust the ratio more than the figures).
 *
 * 1. Throughput: 256 MiB in 64 KiB writes, from this process to a receiver process that counts
 *    the bytes and sends the count back. For TCP, the packets that crossed `lo` are counted
 *    too (Linux).
 * 2. Latency: 20,000 round trips of one byte, this process to an echo process and back, one at
 *    a time (a write, wait for the echo, the next write). Node's event loop on both sides is
 *    most of the time; the rest is the kernel's path from one socket to the other.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const MiB = 1024 * 1024;
const RUNS = 7;
const CHUNK = Buffer.alloc(64 * 1024, 'x');
const CHUNKS = 4096; // 256 MiB
const ROUND_TRIPS = 20_000;
const folder = mkdtempSync(join(tmpdir(), 'sockets-kit-bench-'));
process.on('exit', () => rmSync(folder, { recursive: true, force: true }));

/** The two transports: where a child listens, and how this process connects to it. */
const KINDS = {
  unix: { listen: (n: number) => JSON.stringify([join(folder, `${n}.sock`)]) },
  tcp: { listen: () => JSON.stringify([0, '127.0.0.1']) },
} as const;
type Kind = keyof typeof KINDS;

/** A child Node process: a server for one client (`onClient` is its body), listening at `at`. */
function child(at: string, onClient: string) {
  return `
import { createServer } from 'node:net';
const server = createServer((sock) => { server.close(); sock.setNoDelay(true); ${onClient} });
server.listen(...${at}, () => {
  const a = server.address();
  console.log('listening on ' + (typeof a === 'string' ? a : a.address + ':' + a.port));
});`;
}
const COUNT = `let bytes = 0; sock.on('data', (d) => { bytes += d.length; });
  sock.on('end', () => sock.end(String(bytes)));`; // the count, once everything is in
const ECHO = `sock.on('data', (d) => sock.write(d)); sock.on('end', () => sock.end());`;

let started = 0;
async function start(kind: Kind, onClient: string) {
  const proc = spawn(
    'node',
    ['--input-type=module', '-e', child(KINDS[kind].listen(started++), onClient)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (text: string) => {
    out += text;
  });
  while (!out.includes('\n')) await once(proc.stdout, 'data');
  const address = /^listening on (.*)\n/.exec(out)?.[1] ?? '';
  const sock: Socket = address.startsWith('/')
    ? connect(address)
    : connect(Number(address.split(':')[1]), '127.0.0.1');
  await once(sock, 'connect');
  sock.setNoDelay(true);
  return { proc, sock };
}

const LO = '/sys/class/net/lo/statistics/tx_packets';
const loPackets = () => (existsSync(LO) ? Number(readFileSync(LO, 'utf8')) : Number.NaN);

async function throughput(kind: Kind) {
  const { proc, sock } = await start(kind, COUNT);
  const packets = loPackets();
  const t0 = performance.now();
  for (let i = 0; i < CHUNKS; i++) if (!sock.write(CHUNK)) await once(sock, 'drain');
  sock.end();
  const [count] = await once(sock, 'data'); // the receiver has read it all
  const seconds = (performance.now() - t0) / 1000;
  if (Number(String(count)) !== CHUNKS * CHUNK.length) throw new Error(`received ${count}`);
  const sent = loPackets() - packets;
  await once(proc as ChildProcess, 'exit');
  return { mibps: (CHUNKS * CHUNK.length) / MiB / seconds, packets: sent };
}

async function latency(kind: Kind) {
  const { proc, sock } = await start(kind, ECHO);
  let answered = () => {};
  sock.on('data', () => answered());
  const times: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const echo = new Promise<void>((ok) => {
      answered = ok;
    });
    const t0 = performance.now();
    sock.write('x');
    await echo;
    times.push(performance.now() - t0);
  }
  sock.end();
  await once(proc, 'exit');
  return median(times) * 1000; // µs: the median round trip, so a few hiccups do not count
}

function median(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] ?? 0)
    : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
}

async function main() {
  console.log(`Node ${process.version}, ${cpus().length} cores, ${RUNS} runs of each, alternating`);
  const tput: Record<Kind, number[]> = { unix: [], tcp: [] };
  const rtt: Record<Kind, number[]> = { unix: [], tcp: [] };
  const packets: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    for (const kind of run % 2 ? (['tcp', 'unix'] as const) : (['unix', 'tcp'] as const)) {
      const { mibps, packets: sent } = await throughput(kind);
      tput[kind].push(mibps);
      if (kind === 'tcp') packets.push(sent);
      rtt[kind].push(await latency(kind));
    }
  }
  const total = (CHUNKS * CHUNK.length) / MiB;
  /** `ahead`: how many times better the UNIX socket does (more MiB/s, fewer µs). */
  const row = (label: string, unix: number, tcp: number, unit: string, ahead: number) =>
    console.log(
      `  ${label.padEnd(38)} ${unix.toFixed(1).padStart(8)} ${tcp.toFixed(1).padStart(8)} ${unit.padEnd(6)} ${ahead.toFixed(2)}×`,
    );
  console.log(
    `\n  ${'median of each'.padEnd(38)} ${'UNIX'.padStart(8)} ${'TCP'.padStart(8)}        UNIX ahead by`,
  );
  const [tu, tt, ru, rt] = [median(tput.unix), median(tput.tcp), median(rtt.unix), median(rtt.tcp)];
  row(`throughput, ${total} MiB in 64 KiB writes`, tu, tt, 'MiB/s', tu / tt);
  row(`round trip of 1 byte (median of ${ROUND_TRIPS})`, ru, rt, 'µs', rt / ru);
  console.log(
    `\n  every run (throughput MiB/s):  UNIX ${tput.unix.map((x) => x.toFixed(0)).join(' ')}`,
  );
  console.log(
    `                                 TCP  ${tput.tcp.map((x) => x.toFixed(0)).join(' ')}`,
  );
  console.log(
    `  every run (round trip µs):     UNIX ${rtt.unix.map((x) => x.toFixed(1)).join(' ')}`,
  );
  console.log(
    `                                 TCP  ${rtt.tcp.map((x) => x.toFixed(1)).join(' ')}`,
  );
  if (packets.every(Number.isFinite)) {
    const p = median(packets);
    console.log(
      `\n  TCP: ${p.toFixed(0)} packets crossed lo for ${total} MiB (median; includes ACKs and anything else on lo): ` +
        `${((total * MiB) / p / 1024).toFixed(1)} KiB a packet. A UNIX socket sends none.`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
