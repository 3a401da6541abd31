/**
 * @title Reliable transfer: the receiver
 * @mirrors 二.2 "不可靠", the cure (beyond the tutorial)
 * @pair 25-rdt-sender.ts
 * @run npx tsx scripts/24-rdt-receiver.ts --port 12001 --out copy.bin
 * @long half of a protocol: checks, order, duplicates, the end both sides agree on, giving up
 *
 * Takes one file from 25-rdt-sender.ts over UDP and writes it whole and in order, whatever was
 * lost, repeated, overtaken or damaged on the way. An incomplete file is never at --out: FILE.part.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { once } from 'node:events';
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { crc32 } from 'node:zlib';

const { host, port, out, loss, giveUp } = flags(12001);
process.on('uncaughtException', fail);
const [DATA, ACK, FIN] = [0x44, 0x41, 0x46]; // 'D', 'A', 'F': lesson 24 draws the wire
const WINDOW = 1024; // the most datagrams a sender keeps in flight: how far ahead we keep any
const LINGER = 1000; // ms to stay after the end, answering a FIN whose ACK was lost (TIME_WAIT)
main().catch(fail);

async function main() {
  const part = `${out}.part`; // the file's name until it is whole: FILE.part, then FILE
  const fd = out ? openSync(part, 'w') : 1; // 1: stdout. Can't write there? Better say so now
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4'); // socket(AF_INET, SOCK_DGRAM)
  await once(socket.bind(port, host), 'listening'); // bind(): the port is ours
  const { address: ip, port: bound } = socket.address(); // with no --out, stdout is the file:
  (out ? console.log : console.error)(`listening on ${ip.includes(':') ? `[${ip}]` : ip}:${bound}`);

  let peer: RemoteInfo | undefined; // the sender: whoever sends the first valid datagram
  let total: number | undefined; // how many data datagrams there are: the FIN says
  let [expected, written, sent, repeated] = [0, 0, 0, 0]; // expected: the next one to write
  let timer: NodeJS.Timeout | undefined; // rings after a silence: give up, or end (see complete)
  const early = new Map<number, Buffer>(); // arrived ahead of a gap: kept until it fills
  const drops = new Map<string, number>(); // how many datagrams were dropped, and why
  const drop = (why: string) => drops.set(why, (drops.get(why) ?? 0) + 1);
  const ack = (seq: number, again: boolean) => {
    socket.send(packet(ACK, seq), peer?.port, peer?.address); // sendto(): one ACK per datagram
    [sent, repeated] = [sent + 1, repeated + Number(again)];
  };

  socket.on('message', (msg, from) => {
    if (Math.random() < loss) return drop('lost on purpose'); // --loss: as if the network lost it
    const stranger = peer && `${from.address}:${from.port}` !== `${peer.address}:${peer.port}`;
    if (stranger) return drop('from a stranger'); // one file, from one sender
    const d = parse(msg, [DATA, FIN]);
    if (typeof d === 'string') return drop(d); // too short, damaged, or of unknown type
    const { type, seq, data } = d;
    const ahead = type === FIN ? seq !== expected : seq >= (total ?? expected + WINDOW);
    if (ahead || seq + WINDOW < expected) return drop('out of range'); // not from this transfer
    peer ??= from;
    timer ??= setTimeout(gone, giveUp * 1000);
    timer.refresh(); // the sender is still there
    // -- exercise 24-order --
    const again = type === FIN ? total !== undefined : seq < expected || early.has(seq);
    if (type === FIN && !again) complete(seq);
    if (type === DATA && !again) early.set(seq, data);
    ack(seq, again); // again: a duplicate, whose first ACK must have been lost, so ACK it again
    for (let next = early.get(expected); next; next = early.get(expected)) {
      early.delete(expected++); // in order: the one we waited for, and any that came after it
      written += writeSync(fd, next); // a file, or a pipe that blocks: every byte, in order
    }
    // -- end of exercise 24-order --
  });

  function complete(seq: number) {
    total = seq; // every datagram before the FIN is written: the file is whole
    if (out) closeSync(fd);
    if (out) renameSync(part, out); // only now does the file appear under its name
    clearTimeout(timer);
    timer = setTimeout(finish, LINGER); // lesson 05's TIME_WAIT: stay while FINs still come
  }
  function finish() {
    socket.close(); // LINGER ms without a word from the sender: it has its last ACK
    const why = [...drops].map(([reason, n]) => `${n} ${reason}`).join(', ') || 'none';
    const counts = `${sent} datagrams sent, ${repeated} retransmitted, dropped: ${why}`;
    console.error(`received ${written} bytes${out ? ` into ${out}` : ''}: ${counts}`);
  }
  function gone() {
    const kept = out ? `they are in ${part}, incomplete` : 'what was written is incomplete';
    exit(`the sender went silent for ${giveUp} s after ${written} bytes — gave up; ${kept}`, 1);
  }
}

// ---- the wire: CRC-32 | type | sequence number | data (lesson 24) -----------------------------

function packet(type: number, seq: number, data = Buffer.alloc(0)) {
  const datagram = Buffer.concat([Buffer.from([0, 0, 0, 0, type, 0, 0, 0, 0]), data]);
  datagram.writeUInt32BE(seq, 5);
  datagram.writeUInt32BE(crc32(datagram.subarray(4)), 0); // it covers everything after it
  return datagram;
}

function parse(datagram: Buffer, types: number[]) {
  if (datagram.length < 9) return 'too short';
  if (datagram.readUInt32BE(0) !== crc32(datagram.subarray(4))) return 'damaged';
  if (!types.includes(datagram[4] ?? 0)) return 'of unknown type';
  return { type: datagram[4], seq: datagram.readUInt32BE(5), data: datagram.subarray(9) };
}

// ---- plumbing: flags, errors -------------------------------------------------------------------

function flags(defaultPort: number) {
  const { deno, bun } = process.versions as Record<string, string | undefined>;
  const tsx = process.execArgv.some((arg) => arg.includes('tsx'));
  const run = deno ? 'deno run -A' : bun ? 'bun' : tsx ? 'npx tsx' : 'node';
  const usage = `usage: ${run} ${relative('.', process.argv[1] ?? '')} [--host 127.0.0.1] [--port ${defaultPort}] [--out FILE] [--loss 0] [--give-up 10]`;
  try {
    const s = { type: 'string' } as const;
    const options = { host: s, port: s, out: s, loss: s, 'give-up': s };
    const { values: v } = parseArgs({ options: { ...options, help: { type: 'boolean' } } });
    if (v.help) exit(usage, 0, console.log);
    const num = (name: 'port' | 'loss' | 'give-up', ok: (n: number) => boolean, what: string) => {
      const text = v[name] ?? { port: `${defaultPort}`, loss: '0', 'give-up': '10' }[name];
      if (/^\d*\.?\d+$/.test(text) && ok(Number(text))) return Number(text);
      throw new Error(`--${name} takes ${what}, not '${text}'`);
    };
    const host = v.host ?? '127.0.0.1';
    if (host === '0.0.0.0' || host === '::') {
      console.error(`warning: ${host} means every interface: other machines can send to it`);
    }
    return {
      host,
      port: num('port', (n) => n % 1 === 0 && n < 65536, 'a number from 0 to 65535'),
      out: v.out,
      loss: num('loss', (n) => n <= 1, 'a fraction from 0 to 1'),
      giveUp: num('give-up', (n) => n > 0 && n <= 3600, 'seconds, more than 0 and at most 3600'),
    };
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}

function fail(err: NodeJS.ErrnoException): never {
  if (err.path) return exit(`cannot write --out ${out}: ${err.message}`, 1); // a file, not a port
  const why: Record<string, string> = {
    EADDRINUSE: `${host}:${port} is already in use — stop the other one or choose another --port`,
    EADDRNOTAVAIL: `${host} is not an address of this machine — try --host 127.0.0.1`,
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
  };
  why.EINVAL = why.EADDRNOTAVAIL ?? ''; // Deno's word for it
  return exit(why[err.code ?? ''] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
