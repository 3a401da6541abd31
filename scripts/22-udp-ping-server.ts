/**
 * @title UDP ping server: an echo that loses on purpose
 * @mirrors 二.2 "不可靠" (beyond the tutorial)
 * @pair 23-udp-ping-client.ts
 * @run npx tsx scripts/22-udp-ping-server.ts --port 12000 --loss 0.3 --seed 1
 * @long lesson 03's echo plus three flags, and the seeded generator that makes a run repeatable
 *
 * Lesson 03's echo, which answers every datagram upper-cased, except that it drops a fraction of
 * them (--loss) and holds others back (--delay), as a real network would. Loopback never does.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { on, once } from 'node:events';
import { isIPv6 } from 'node:net';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

const { host, port, loss, delay, seed } = flags(12000);
process.on('uncaughtException', fail);
main().catch(fail);

async function main() {
  const server = createSocket(isIPv6(host) ? 'udp6' : 'udp4'); // socket(AF_INET, SOCK_DGRAM)
  server.bind(port, host); // bind(), as in lesson 03
  await once(server, 'listening');
  console.log(`listening on ${at(server.address())}`);
  console.log(`losing ${+(loss * 100).toFixed(2)}%, delaying up to ${delay} ms, seed ${seed}`);
  const random = mulberry32(seed); // the same seed gives the same fates, in the same order
  for await (const [data, from] of on(server, 'message') as AsyncIterable<[Buffer, RemoteInfo]>) {
    const msg = data.subarray(0, 1024); // recvfrom(1024)
    // -- exercise 22-fate --
    const lost = random() < loss; // two draws for every datagram, lost or not
    const wait = Math.floor(random() * (delay + 1)); // 0 to --delay ms, evenly
    const fate = lost ? 'lost' : wait > 0 ? `delayed ${wait} ms` : 'answered';
    const answer = () => server.send(upper(msg), from.port, from.address); // sendto(msg.upper())
    if (!lost) wait > 0 ? setTimeout(answer, wait) : answer(); // setTimeout(f, 0) waits 1 ms
    console.log(`${at(from)} ${JSON.stringify(msg.toString().slice(0, 40))}: ${fate}`);
    // -- end of exercise 22-fate --
  }
}

/** mulberry32: a tiny seeded generator of numbers in [0, 1); 32-bit integer steps only. */
function mulberry32(state: number) {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

// bytes.upper() (lesson 03) and an address as the kit prints it: 127.0.0.1:12000, [::1]:12000.
const upper = (bytes: Buffer) => bytes.map((b) => (b >= 0x61 && b <= 0x7a ? b - 0x20 : b));
const at = ({ address, port }: { address: string; port: number }) =>
  address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;

// ---- plumbing: flags, errors ------------------------------------------------------------------

function flags(defaultPort: number) {
  const { deno, bun } = process.versions as Record<string, string | undefined>;
  const tsx = process.execArgv.some((arg) => arg.includes('tsx'));
  const run = deno ? 'deno run -A' : bun ? 'bun' : tsx ? 'npx tsx' : 'node';
  const options = `[--host 127.0.0.1] [--port ${defaultPort}] [--loss 0.3] [--delay 0] [--seed N]`;
  const usage = `usage: ${run} ${relative('.', process.argv[1] ?? '')} ${options}`;
  try {
    const s = { type: 'string' } as const;
    const { values: v } = parseArgs({
      options: { host: s, port: s, loss: s, delay: s, seed: s, help: { type: 'boolean' } },
    });
    if (v.help) exit(usage, 0, console.log);
    const whole = (max: number) => (n: number) => Number.isInteger(n) && n <= max;
    const port = num('port', v.port ?? `${defaultPort}`, whole(65535), 'a number from 0 to 65535');
    const loss = num('loss', v.loss ?? '0.3', (n) => n <= 1, 'a fraction from 0 to 1');
    const delay = num('delay', v.delay ?? '0', whole(60_000), 'milliseconds from 0 to 60000');
    const seed = num('seed', v.seed ?? `${Date.now() % 1e9}`, whole(2 ** 32 - 1), 'a whole number');
    const host = v.host ?? '127.0.0.1';
    const everywhere = `warning: ${host} means every interface: other machines can send to it`;
    if (host === '0.0.0.0' || host === '::') console.error(everywhere);
    return { host, port, loss, delay, seed };
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}

function num(name: string, text: string, ok: (n: number) => boolean, what: string) {
  if (/^\d*\.?\d+$/.test(text) && ok(+text)) return +text;
  throw new Error(`--${name} takes ${what}, not '${text}'`);
}

function fail(err: NodeJS.ErrnoException): never {
  const why: Record<string, string> = {
    EADDRINUSE: `${host}:${port} is already in use — stop the other server or choose another --port`,
    EADDRNOTAVAIL: `${host} is not an address of this machine — try --host 127.0.0.1`,
    EACCES: `no permission to bind ${host}:${port} — use a port above 1023`,
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
  };
  const code = err.code === 'EINVAL' ? 'EADDRNOTAVAIL' : (err.code ?? ''); // EINVAL: Deno's word
  return exit(why[code] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
