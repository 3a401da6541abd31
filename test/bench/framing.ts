/**
 * `npm run bench`: how much framing costs (lesson 16 quotes the numbers). Not part of `npm test`.
 *
 * 1. Throughput on loopback, 64 KiB messages, each receiver a separate process, the sender this
 *    one: raw TCP (a receiver that counts bytes) against framed messages (a receiver that runs
 *    16's decoder and counts messages): that is the cost of the framing. Then the same with a
 *    SHA-256 of everything on the receiving side (a raw receiver that digests, and 16 --digest
 *    itself), and the whole pair, 17 --batch to 16 --digest, which reads 64 KiB lines.
 * 2. The decoder alone: 1 MiB fed in one chunk, in 64 KiB chunks and one byte at a time, and
 *    one byte at a time for growing sizes, to show that the time grows linearly. For contrast, a
 *    naive decoder that concatenates its whole buffer on every chunk.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import '../as-library.ts';
import { encode, MAX_MESSAGE, messages } from '../../scripts/16-framed-server.ts';
import { command, scriptPath } from '../harness.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const RUNS = 3;

/** Start a receiver process; resolve once it prints `listening on HOST:PORT`. */
async function receiver(args: string[], input?: 'pipe') {
  const proc = spawn('node', args, { stdio: [input ?? 'ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout?.setEncoding('utf8').on('data', (text: string) => {
    out += text;
  });
  while (!/listening on .*:(\d+)\n/.test(out))
    await once(proc.stdout as NodeJS.ReadableStream, 'data');
  const port = Number(/listening on .*:(\d+)\n/.exec(out)?.[1]);
  return { proc, port, output: () => out };
}

/** A raw TCP receiver: counts the bytes (and digests them with --sha256), then says so. */
const RAW = `
import { createServer } from 'node:net';
import { createHash } from 'node:crypto';
const hash = process.argv.includes('--sha256') ? createHash('sha256') : undefined;
const server = createServer(async (sock) => {
  server.close();
  let bytes = 0;
  for await (const chunk of sock) { bytes += chunk.length; hash?.update(chunk); }
  console.log('received', bytes, hash?.digest('hex') ?? '');
}).listen(0, '127.0.0.1', () => console.log('listening on 127.0.0.1:' + server.address().port));
`;

/** A framed receiver: the decoder of 16-framed-server.ts over a socket, counting the messages. */
const FRAMED = (script: string) => `
import { createServer } from 'node:net';
globalThis.SOCKETS_KIT_IMPORT = true; // run 16's decoder, not 16
const { messages } = await import(${JSON.stringify(script)});
const server = createServer(async (sock) => {
  server.close();
  let count = 0, bytes = 0;
  for await (const message of messages(sock)) { count += 1; bytes += message.length; }
  console.log('received', count, bytes);
}).listen(0, '127.0.0.1', () => console.log('listening on 127.0.0.1:' + server.address().port));
`;

async function send(port: number, chunks: Iterable<Buffer>) {
  const sock: Socket = connect(port, '127.0.0.1');
  await once(sock, 'connect');
  for (const chunk of chunks) if (!sock.write(chunk)) await once(sock, 'drain');
  sock.end();
}

async function timed(proc: ChildProcess, work: () => Promise<unknown>) {
  const started = performance.now();
  await work();
  await once(proc, 'exit');
  return (performance.now() - started) / 1000;
}

function* repeat(buffer: Buffer, times: number) {
  for (let i = 0; i < times; i++) yield buffer;
}

const best = (times: number[]) => Math.min(...times);
const mbps = (bytes: number, seconds: number) => `${(bytes / MiB / seconds).toFixed(0)} MiB/s`;

async function throughput() {
  const count = 4096; // 4096 messages of 64 KiB: 256 MiB per run
  const message = Buffer.alloc(64 * KiB, 'x');
  const total = count * message.length;
  const rows: [string, number][] = [];
  const cases = [
    [
      'raw TCP, receiver counts bytes',
      () => receiver(['--input-type=module', '-e', RAW]),
      () => repeat(message, count),
    ],
    [
      'raw TCP, receiver counts and digests',
      () => receiver(['--input-type=module', '-e', RAW, '--', '--sha256']),
      () => repeat(message, count),
    ],
    [
      'framed, receiver decodes and counts',
      () =>
        receiver([
          '--input-type=module',
          '-e',
          FRAMED(command(scriptPath('16-framed-server.ts'))[1] ?? ''),
        ]),
      () => repeat(encode(message), count),
    ],
    [
      'framed, receiver is 16 --digest',
      () =>
        receiver([
          ...command(scriptPath('16-framed-server.ts')).slice(1),
          '--port',
          '0',
          '--digest',
        ]),
      () => repeat(encode(message), count),
    ],
  ] as const;
  for (const [label, start, chunks] of cases) {
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const { proc, port } = await start();
      times.push(await timed(proc, () => send(port, chunks())));
    }
    rows.push([label, best(times)]);
  }
  // The whole pair: 17 --batch reads lines from its stdin, so the messages are 64 KiB lines.
  const line = Buffer.concat([Buffer.alloc(64 * KiB - 1, 'x'), Buffer.from('\n')]);
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const server = await receiver([
      ...command(scriptPath('16-framed-server.ts')).slice(1),
      '--port',
      '0',
      '--digest',
    ]);
    const args = [
      ...command(scriptPath('17-framed-client.ts')).slice(1),
      '--port',
      String(server.port),
      '--batch',
    ];
    const client = spawn('node', args, { stdio: ['pipe', 'inherit', 'inherit'] });
    times.push(
      await timed(server.proc, async () => {
        for (const chunk of repeat(line, count)) {
          if (!client.stdin.write(chunk)) await once(client.stdin, 'drain');
        }
        client.stdin.end();
      }),
    );
  }
  rows.push(['the pair: 17 --batch to 16 --digest', best(times)]);
  console.log(`\nThroughput, ${count} messages of 64 KiB (${total / MiB} MiB), best of ${RUNS}:`);
  for (const [label, seconds] of rows) {
    console.log(`  ${label.padEnd(40)} ${seconds.toFixed(2)} s  ${mbps(total, seconds)}`);
  }
}

function* pieces(bytes: Buffer, size: number) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function decodeTime(
  stream: Buffer,
  size: number,
  decode: (chunks: Iterable<Buffer>) => AsyncIterable<Buffer> = messages,
) {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    for await (const _ of decode(pieces(stream, size))) {
      // only the decoding is timed
    }
    times.push(performance.now() - started);
  }
  return best(times);
}

/** The decoder not to write: it glues every chunk onto everything not yet decoded. */
async function* naive(chunks: Iterable<Buffer>) {
  let pending = Buffer.alloc(0);
  for (const chunk of chunks) {
    pending = Buffer.concat([pending, chunk]); // copies all of it, every time
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
      const size = pending.readUInt32BE(0);
      yield pending.subarray(4, 4 + size);
      pending = pending.subarray(4 + size);
    }
  }
}

async function decoder() {
  const frame = encode(Buffer.alloc(MAX_MESSAGE, 'x'));
  console.log(`\nThe decoder, one 1 MiB message, best of ${RUNS}:`);
  for (const [label, size] of [
    ['in one chunk', frame.length],
    ['in 64 KiB chunks', 64 * KiB],
    ['one byte at a time', 1],
  ] as const) {
    console.log(`  ${label.padEnd(40)} ${(await decodeTime(frame, size)).toFixed(1)} ms`);
  }
  console.log('\nOne byte at a time, growing sizes (linear: twice the bytes, twice the time):');
  for (const kib of [128, 256, 512, 1024]) {
    const ms = await decodeTime(encode(Buffer.alloc(kib * KiB, 'x')), 1);
    console.log(
      `  ${`${kib} KiB`.padEnd(40)} ${ms.toFixed(1)} ms  ${((ms * 1e6) / (kib * KiB)).toFixed(0)} ns/byte`,
    );
  }
  console.log('\nA naive decoder (concatenates on every chunk), one byte at a time (quadratic):');
  for (const kib of [64, 128, 256]) {
    const ms = await decodeTime(encode(Buffer.alloc(kib * KiB, 'x')), 1, naive);
    console.log(
      `  ${`${kib} KiB`.padEnd(40)} ${ms.toFixed(1)} ms  ${((ms * 1e6) / (kib * KiB)).toFixed(0)} ns/byte`,
    );
  }
}

console.log(`Node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
await throughput();
await decoder();
