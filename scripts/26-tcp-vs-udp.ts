/**
 * @title TCP against UDP: the efficiency claims, measured
 * @mirrors 一.6 tcp协议、udp协议 (beyond the tutorial)
 * @run npx tsx scripts/26-tcp-vs-udp.ts --svg 26-tcp-vs-udp.svg
 * @long six measurements, a table and a chart: each part is short, but they add up
 *
 * Measures on loopback what the tutorial asserts: request/response latency (UDP, TCP, a new TCP
 * connection each time, Nagle), and bulk throughput of TCP and of lessons 24/25, run as they are.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as Datagrams } from 'node:dgram';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';

const { quick, svg } = flags();
process.on('uncaughtException', fail);
const HOST = '127.0.0.1'; // loopback only: every figure is this machine talking to itself
const [N, MIB, FILE] = quick ? [200, 4, 2 ** 16] : [2000, 64, 2 ** 20]; // requests, MiB, bytes
const RUNS = (quick ? [0] : [0, 0.01, 0.05, 0.2]).flatMap((l) => [1, 64].map((w) => [l, w]));
const rows: [string, string, string, string][] = [['request/response', 'p50 µs', 'p99 µs', '']];
const beside = (script: string) => join(dirname(process.argv[1] ?? '.'), script);
main().catch(fail);

async function main() {
  const measure = async (label: string, n: number, request: () => Promise<unknown>) => {
    const t: number[] = [];
    for (let t0 = performance.now(); t.length < n; t0 = performance.now())
      t.push(await request().then(() => 1000 * (performance.now() - t0))); // in µs
    const at = (p: number) => t.sort((a, b) => a - b)[Math.floor(p * (n - 1))] ?? 0;
    rows.push([label, at(0.5).toFixed(1), at(0.99).toFixed(1), 'µs']); // the median, and p99
  };
  const echo = createSocket('udp4'); // UDP's echo: lesson 03 without the capitals
  echo.on('message', (m, from) => echo.send(m, from.port, from.address));
  await once(echo.bind(0, HOST), 'listening');
  const udp = createSocket('udp4');
  udp.connect(echo.address().port, HOST); // no handshake: connect() only fixes the address
  await once(udp, 'connect');
  await measure('UDP', N, () => ask(udp, 'ping'));
  [udp, echo].map((s) => s.close());
  // TCP's echo answers each whole 4-byte request, however many pieces it came in
  const server = createServer((c) => c.on('data', () => c.bytesRead % 4 || c.write('pong')));
  const one = await dial(server.listen(0, HOST), true);
  await measure('TCP, one connection', N, () => ask(one, 'ping'));
  const fresh = () => dial(server, true).then((c) => ask(c, 'ping').then(() => c.destroy()));
  await measure('TCP, a new connection per request', N / 4, fresh); // a handshake each time
  for (const noDelay of [false, true]) {
    const c = await dial(server, noDelay); // two small writes, then wait: Nagle holds the 2nd
    await measure(`TCP, 2 small writes, setNoDelay(${noDelay})`, N / 40, () => ask(c, 'pi', 'ng'));
    c.destroy();
  }
  [one.destroy(), server.close()];
  const sink = createServer((c) => c.resume()); // reads everything, keeps nothing
  const [tcp, chunk] = [await dial(sink.listen(0, HOST), true), Buffer.alloc(2 ** 16)];
  const started = performance.now();
  for (let i = 0; i < MIB * 16; i++) if (!tcp.write(chunk)) await once(tcp, 'drain');
  await once(tcp.end(), 'close'); // the sink has read the last byte: its FIN came back
  const rate = (MIB * 2 ** 20) / (performance.now() - started) / 1000; // bytes per µs = MB/s
  const found = ['24-rdt-receiver.ts', '25-rdt-sender.ts'].every((f) => existsSync(beside(f)));
  rows.push(['', '', '', ''], ['bulk transfer, one way', 'MB/s', 'resent', '']);
  rows.push([`TCP, ${MIB} MiB`, rate.toFixed(1), '', 'MB/s']);
  sink.close();
  const folder = mkdtempSync(join(tmpdir(), 'sockets-kit-26-'));
  const [input, output, data] = [join(folder, 'in'), join(folder, 'out'), randomBytes(FILE)];
  writeFileSync(input, data);
  for (const [loss, window] of RUNS) {
    const label = `24/25 ${FILE >> 10} KiB, --window ${window}, --loss ${loss}`;
    if (!found) {
      rows.push([label, '–', 'not found', 'MB/s']); // not beside this script: not run
      continue;
    }
    const both = ['--loss', `${loss}`, '--give-up', '5'];
    const receiver = run('24-rdt-receiver.ts', [...both, '--port', '0', '--out', output]);
    const [ready] = await Promise.race([once(receiver.stdout, 'data'), once(receiver, 'exit')]);
    const to = ['--port', /:(\d+)\n/.exec(`${ready}`)?.[1] ?? '', '--window', `${window}`];
    const sender = run('25-rdt-sender.ts', [...both, ...to, '--file', input]);
    const [said, [code]] = await Promise.all([text(sender.stderr), once(sender, 'exit')]);
    receiver.kill(); // it would linger 1 s (its TIME_WAIT) for a sender that has already gone
    if (code !== 0 || !data.equals(readFileSync(output))) fail(new Error(`25: ${said}`));
    const [, rate = '', again = ''] = /([\d.]+) MB\/s.*?(\d+) retrans/.exec(said) ?? [];
    rows.push([label, rate, again, 'MB/s']);
  }
  rmSync(folder, { recursive: true });
  for (const [label, value, extra] of rows)
    console.log(`${label.padEnd(42)}${value.padStart(9)}${extra.padStart(11)}`.trimEnd());
  if (svg) writeFileSync(svg, chart());
}

/** Send a request, in one piece or several, and wait for the answer. */
function ask(socket: Socket | Datagrams, ...pieces: string[]) {
  const answer = once(socket, socket instanceof Socket ? 'data' : 'message');
  for (const piece of pieces) socket instanceof Socket ? socket.write(piece) : socket.send(piece);
  return answer;
}

async function dial(server: Server, noDelay: boolean) {
  if (!server.listening) await once(server, 'listening');
  const c = connect((server.address() as AddressInfo).port, HOST).setNoDelay(noDelay);
  return once(c, 'connect').then(() => c);
}

/** Lessons 24 and 25, from beside this script, run by the runtime that runs this one. */
function run(script: string, args: string[]) {
  const runtime = 'deno' in process.versions ? ['run', '-A'] : process.execArgv; // node, tsx, bun
  return spawn(process.execPath, [...runtime, beside(script), ...args]); // --give-up 5: never stuck
}

/** The rows as bars on one log scale (0.1 to 100,000, a decade per 60 px), in hand-written SVG. */
function chart() {
  const lines = rows.map(([label, value, extra, unit], i) => {
    const [y, p99] = [20 * i + 20, unit === 'µs' ? ` (p99 ${extra})` : ''];
    if (!unit)
      return `<text x="10" y="${y + 11}" font-weight="bold">${label}${label && ' (log scale: ×10 every 60 px)'}</text>`;
    const w = Math.max(1, 60 * Math.log10(10 * (Number(value) || 0.1))); // '–': a 1 px bar
    return `<text x="315" y="${y + 11}" text-anchor="end">${label}</text><rect x="320" y="${y}" width="${w.toFixed(0)}" height="14" fill="${p99 ? '#4a7' : '#47a'}"/><text x="${(326 + w).toFixed(0)}" y="${y + 11}">${value} ${unit}${p99}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="820" height="${20 * rows.length + 30}" font-family="sans-serif" font-size="12">\n<title>TCP against UDP on loopback, measured by 26-tcp-vs-udp.ts</title>\n${lines.join('\n')}\n</svg>\n`;
}

// ---- plumbing: flags, errors -------------------------------------------------------------------

function flags() {
  const { deno, bun } = process.versions as Record<string, string | undefined>;
  const tsx = process.execArgv.some((arg) => arg.includes('tsx'));
  const run = deno ? 'deno run -A' : bun ? 'bun' : tsx ? 'npx tsx' : 'node';
  const usage = `usage: ${run} ${relative('.', process.argv[1] ?? '')} [--quick] [--svg FILE]`;
  try {
    const b = { type: 'boolean' } as const;
    const { values } = parseArgs({ options: { quick: b, help: b, svg: { type: 'string' } } });
    if (values.help) exit(usage, 0, console.log);
    return values;
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}

function fail(err: Error): never {
  return exit(`error: ${err.message.trim()}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
