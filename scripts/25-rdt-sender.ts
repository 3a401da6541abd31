/**
 * @title Reliable transfer: the sender
 * @mirrors 二.2 "不可靠", the cure (beyond the tutorial)
 * @pair 24-rdt-receiver.ts
 * @run npx tsx scripts/25-rdt-sender.ts --port 12001 --file notes.txt
 * @long half of a protocol: a window, a timer per datagram, an RTT estimate, the end, giving up
 *
 * Sends a file (or standard input) to 24-rdt-receiver.ts in numbered datagrams, up to --window of
 * them in flight, and sends again each one whose acknowledgement does not come back in time.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { crc32 } from 'node:zlib';

const { host, port, file, window, loss, giveUp } = flags(12001);
process.on('uncaughtException', fail);
const [DATA, ACK, FIN] = [0x44, 0x41, 0x46]; // 'D', 'A', 'F': lesson 24 draws the wire
const SIZE = 1200; // bytes of file per datagram: with all headers under 1280, IPv6's smallest MTU
const [FIRST_RTO, G, MAX_RTO] = [200, 2, 250]; // ms: RFC 6298's first RTO, its G, our cap
type InFlight = { sentAt: number; order: number; again: boolean; timer: NodeJS.Timeout };
main().catch(fail);

async function main() {
  const data = readFileSync(file ?? 0); // the whole file, or all of standard input (fd 0)
  const total = Math.ceil(data.length / SIZE); // datagrams 0 to total - 1; the FIN is number total
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  socket.connect(port, host); // connect(): only the receiver gets in, and ICMP errors get out
  await once(socket, 'connect');
  const flight = new Map<number, InFlight>(); // sent and not yet acknowledged, by number
  let [base, next, sent, retransmitted, rto, srtt, rttvar] = [0, 0, 0, 0, FIRST_RTO, 0, 0];
  const [drops, started] = [new Map<string, number>(), performance.now()]; // dropped, and why
  const drop = (why: string) => drops.set(why, (drops.get(why) ?? 0) + 1);

  // -- exercise 25-timer --
  const transmit = (seq: number) => {
    const again = flight.has(seq); // its timer rang, or 3 sent after it came back first
    clearTimeout(flight.get(seq)?.timer);
    socket.send(packet(seq < total ? DATA : FIN, seq, data.subarray(seq * SIZE, (seq + 1) * SIZE)));
    [sent, retransmitted] = [sent + 1, retransmitted + Number(again)];
    const timer = setTimeout(expire, rto, seq);
    flight.set(seq, { sentAt: performance.now(), order: sent, again, timer });
  };
  // When a timer rings, ACKs may be waiting unread: read them first, then send again if still due
  const expire = (seq: number) => setImmediate(() => flight.has(seq) && transmit(seq));
  // -- end of exercise 25-timer --
  const slide = () => {
    while (base < next && !flight.has(base)) base++; // base: the oldest one not acknowledged
    while (next < Math.min(base + window, total)) transmit(next++); // fill the window
    if (base === total && next === total) transmit(next++); // all acknowledged: now the FIN
  };
  const estimate = (rtt: number) => {
    // RFC 6298 (lesson 23), without its doubling
    rttvar = srtt === 0 ? rtt / 2 : 0.75 * rttvar + 0.25 * Math.abs(srtt - rtt);
    srtt = srtt === 0 ? rtt : 0.875 * srtt + 0.125 * rtt;
    rto = Math.min(MAX_RTO, srtt + Math.max(G, 4 * rttvar));
  };
  const acked = () => `${next - flight.size} of ${total + 1} datagrams acknowledged — gave up`;
  const quiet = setTimeout(() => {
    if (next > flight.size) exit(`the receiver fell silent for ${giveUp} s, ${acked()}`, 1);
    exit(`no answer from ${host}:${port} within ${giveUp} s — start 24-rdt-receiver.ts first`, 1);
  }, giveUp * 1000);
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ECONNREFUSED') return fail(err); // "port unreachable": nobody is there
    if (next > flight.size) exit(`the receiver went away, ${acked()}`, 1); // after some answers
    exit(`nothing is listening on ${host}:${port} — start 24-rdt-receiver.ts first`, 1);
  });
  socket.on('message', (msg) => {
    if (Math.random() < loss) return drop('lost on purpose'); // --loss: as if the network lost it
    const d = parse(msg, [ACK]);
    if (typeof d === 'string') return drop(d); // too short, damaged, or of unknown type
    if (d.seq >= next) return drop('out of range'); // an ACK for something never sent
    quiet.refresh(); // the receiver is still there
    const entry = flight.get(d.seq);
    if (!entry) return; // a repeated ACK: that one was acknowledged already
    clearTimeout(entry.timer);
    flight.delete(d.seq);
    if (!entry.again) estimate(performance.now() - entry.sentAt); // Karn: only first tries
    for (const [seq, e] of flight) if (!entry.again && e.order + 3 <= entry.order) transmit(seq);
    if (d.seq < total) return slide();
    clearTimeout(quiet); // the FIN is acknowledged: the receiver has every byte
    socket.close();
    const seconds = (performance.now() - started) / 1000;
    const speed = `${seconds.toFixed(2)} s (${(data.length / seconds / 1e6).toFixed(2)} MB/s)`;
    const why = [...drops].map(([reason, n]) => `${n} ${reason}`).join(', ') || 'none';
    const counts = `${sent} datagrams sent, ${retransmitted} retransmitted, dropped: ${why}`;
    console.error(`sent ${data.length} bytes in ${speed}: ${counts}`);
  });
  slide();
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
  const usage = `usage: ${run} ${relative('.', process.argv[1] ?? '')} [--host 127.0.0.1] [--port ${defaultPort}] [--file FILE] [--window 1] [--loss 0] [--give-up 10]`;
  try {
    const s = { type: 'string' } as const;
    const options = { host: s, port: s, file: s, window: s, loss: s, 'give-up': s };
    const { values: v } = parseArgs({ options: { ...options, help: { type: 'boolean' } } });
    if (v.help) exit(usage, 0, console.log);
    const fallback = { port: `${defaultPort}`, window: '1', loss: '0', 'give-up': '10' };
    const num = (name: keyof typeof fallback, ok: (n: number) => boolean, what: string) => {
      const text = v[name] ?? fallback[name];
      if (/^\d*\.?\d+$/.test(text) && ok(Number(text))) return Number(text);
      throw new Error(`--${name} takes ${what}, not '${text}'`);
    };
    return {
      host: v.host ?? '127.0.0.1',
      port: num('port', (n) => n % 1 === 0 && n > 0 && n < 65536, 'a number from 1 to 65535'),
      file: v.file,
      window: num('window', (n) => n % 1 === 0 && n >= 1 && n <= 1024, 'a whole number, 1 to 1024'),
      loss: num('loss', (n) => n <= 1, 'a fraction from 0 to 1'),
      giveUp: num('give-up', (n) => n > 0 && n <= 3600, 'seconds, more than 0 and at most 3600'),
    };
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}

function fail(err: NodeJS.ErrnoException): never {
  const why = err.code === 'ENOTFOUND' ? `cannot resolve --host ${host} — check the spelling` : '';
  if (err.path || err.code === 'EISDIR')
    return exit(`cannot read --file ${file}: ${err.message}`, 1);
  return exit(why || `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
