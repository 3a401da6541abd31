/**
 * @title UDP ping client: timeouts, round trips, loss
 * @mirrors 二.2 "不可靠" (beyond the tutorial)
 * @pair 22-udp-ping-server.ts
 * @run npx tsx scripts/23-udp-ping-client.ts --port 12000 --count 10
 * @long a timer per ping, late and stray answers told apart, RFC 6298's estimator, the summary
 *
 * Sends `ping SEQ TIME` every --interval seconds, waits --timeout seconds for each answer, and
 * tells by SEQ which ping an answer is for. `--timeout auto` computes the wait as TCP does.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIPv6 } from 'node:net';
import { relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const { host, port, count, interval, timeout } = flags(12000);
process.on('uncaughtException', fail);
process.on('SIGINT', () => finish()); // Ctrl+C: the summary of the pings sent so far, as ping does
main().catch(fail);

type Ping = { text: string; sent: number; state: 'waiting' | 'answered' | 'timed out' | 'late' };
const pings = new Map<number, Ping>(); // by sequence number: what was sent, when, what came of it
const rtts: number[] = []; // the round trips of the answers that came in time, in ms
const ignored = { duplicate: 0, stray: 0 };
let server = ''; // where answers must come from: 127.0.0.1:12000
const done = () => pings.size === count && [...pings.values()].every((p) => p.state !== 'waiting');

async function main() {
  const { address } = await lookup(host, { family: isIPv6(host) ? 6 : 4 });
  server = at(address, port);
  const socket = createSocket(isIPv6(address) ? 'udp6' : 'udp4').on('error', fail); // socket()
  socket.on('message', (data: Buffer, from: RemoteInfo) => {
    const now = performance.now();
    const seq = Number(/^PING (\d{1,9}) \d{1,15}$/.exec(data.toString('latin1'))?.[1]);
    const ping = pings.get(seq); // the sequence number says which ping this answers
    const sender = at(from.address, from.port);
    if (!ping || sender !== server || data.toString() !== ping.text.toUpperCase()) {
      if (ignored.stray++ === 0) console.log(`ignored: ${data.length} bytes from ${sender}`);
      return; // not the answer to any ping we sent: another shape, another sender, a forgery
    }
    const time = (now - ping.sent).toFixed(2);
    if (ping.state === 'waiting') {
      ping.state = 'answered';
      rtts.push(now - ping.sent);
      console.log(`reply from ${sender}: seq=${seq} time=${time} ms`);
    } else if (ping.state === 'timed out') {
      ping.state = 'late'; // its own timeout has passed: named late, not counted as received
      console.log(`late reply: seq=${seq} time=${time} ms`);
    } else {
      if (ignored.duplicate++ === 0) console.log(`duplicate reply: seq=${seq} time=${time} ms`);
      return; // a copy of an answer already seen: counted once, shown once
    }
    measured(now - ping.sent); // a ping is never sent twice, so every first answer is a sample
    if (done()) finish();
  });

  const start = performance.now();
  for (let seq = 1; seq <= count; seq++) {
    await sleep(Math.max(0, start + (seq - 1) * interval * 1000 - performance.now())); // on the beat
    const text = `ping ${seq} ${Date.now()}`; // ping SEQ TIME, TIME in ms since 1970
    const ping: Ping = { text, sent: performance.now(), state: 'waiting' };
    pings.set(seq, ping);
    socket.send(ping.text, port, address); // sendto(): an answer may never come
    setTimeout(() => {
      if (ping.state !== 'waiting') return;
      ping.state = 'timed out';
      console.log(`timeout: seq=${seq}`);
      rto.value = Math.min(2 * rto.value, MAX_RTO); // (5.5) back off: wait longer next time
      if (done()) finish();
    }, timeout ?? rto.value);
  }
}

// ---- RFC 6298 section 2: the timeout TCP computes for itself (in ms), for --timeout auto ------
const [ALPHA, BETA, K, G] = [1 / 8, 1 / 4, 4, 1]; // G: timers here tick in whole milliseconds
const [MIN_RTO, MAX_RTO] = [200, 60_000]; // (2.4) asks for at least 1 s; Linux's TCP uses 200 ms
const rto = { value: 1000, srtt: 0, rttvar: 0, samples: 0 }; // (2.1) 1 s until the first sample

function measured(r: number) {
  const first = rto.samples++ === 0; // (2.2) the first sample sets both; (2.3) RTTVAR, then SRTT
  rto.rttvar = first ? r / 2 : (1 - BETA) * rto.rttvar + BETA * Math.abs(rto.srtt - r);
  rto.srtt = first ? r : (1 - ALPHA) * rto.srtt + ALPHA * r;
  rto.value = Math.min(Math.max(rto.srtt + Math.max(G, K * rto.rttvar), MIN_RTO), MAX_RTO);
}

function finish(): never {
  const [sent, got, ms] = [pings.size, rtts.length, (n: number) => n.toFixed(2)];
  console.log(`--- ${server || at(host, port)} ping statistics ---`);
  // -- exercise 23-summary --
  const loss = sent && Math.round((100 * (sent - got)) / sent);
  console.log(`${sent} sent, ${got} received, ${loss}% loss`);
  const avg = ms(rtts.reduce((a, b) => a + b, 0) / got);
  if (got)
    console.log(`rtt min/avg/max = ${ms(Math.min(...rtts))}/${avg}/${ms(Math.max(...rtts))} ms`);
  // -- end of exercise 23-summary --
  const late = [...pings.values()].filter((p) => p.state === 'late').length;
  const extra = `not counted: ${late} late, ${ignored.duplicate} duplicate, ${ignored.stray} stray`;
  if (late + ignored.duplicate + ignored.stray) console.log(extra);
  if (timeout === undefined)
    console.log(`rto = ${ms(rto.value)} ms (srtt ${ms(rto.srtt)}, rttvar ${ms(rto.rttvar)})`);
  if (got || !sent) process.exit(0);
  if (late) exit(`every answer from ${server} came late — try a longer --timeout`, 1);
  return exit(`no answer from ${server} — start 22-udp-ping-server.ts first`, 1);
}

const at = (address: string, port: number) =>
  address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`; // [::1]:12000

// ---- plumbing: flags, errors ------------------------------------------------------------------

function flags(defaultPort: number) {
  const { deno, bun } = process.versions as Record<string, string | undefined>;
  const tsx = process.execArgv.some((arg) => arg.includes('tsx'));
  const run = deno ? 'deno run -A' : bun ? 'bun' : tsx ? 'npx tsx' : 'node';
  const usage = `usage: ${run} ${relative('.', process.argv[1] ?? '')} [--host 127.0.0.1] [--port ${defaultPort}] [--count 10] [--interval 1] [--timeout 1|auto]`;
  try {
    const s = { type: 'string' } as const;
    const { values: v } = parseArgs({
      options: { host: s, port: s, count: s, interval: s, timeout: s, help: { type: 'boolean' } },
    });
    if (v.help) exit(usage, 0, console.log);
    const whole =
      (max: number, min = 0) =>
      (x: number) =>
        x % 1 === 0 && x >= min && x <= max;
    const port = num('port', v.port ?? `${defaultPort}`, whole(65535), 'a number from 0 to 65535');
    const count = num('count', v.count ?? '10', whole(1e6, 1), 'a number from 1 to 1000000');
    const secs = [(n: number) => n >= 0.001 && n <= 3600, 'seconds from 0.001 to 3600'] as const;
    const interval = num('interval', v.interval ?? '1', ...secs);
    const wait = v.timeout === 'auto' ? undefined : num('timeout', v.timeout ?? '1', ...secs);
    return { host: v.host ?? '127.0.0.1', port, count, interval, timeout: wait && wait * 1000 };
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}

function num(name: string, text: string, ok: (n: number) => boolean, what: string) {
  if (/^\d*\.?\d+$/.test(text) && ok(+text)) return +text;
  throw new Error(`--${name} takes ${what}${name === 'timeout' ? ', or auto' : ''}, not '${text}'`);
}

function fail(err: NodeJS.ErrnoException): never {
  if (err.code !== 'ENOTFOUND' && err.code !== 'EAI_AGAIN') exit(`error: ${err.message}`, 1);
  return exit(`cannot resolve --host ${host} — check the spelling`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
