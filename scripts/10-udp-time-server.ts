/**
 * @title UDP time server: the time, in your format
 * @mirrors 二.2 ④ server
 * @pair 11-udp-time-client.ts
 * @run npx tsx scripts/10-udp-time-server.ts --port 8888
 * @long Python's time.strftime is built in; here it is written out (the second half of the file).
 *
 * Each datagram is a strftime format; the answer is the current time in that format. A format
 * comes from anyone on the network, so its length and the length of the answer are capped.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { on, once } from 'node:events';
import { type AddressInfo, isIPv6 } from 'node:net';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

const MAX_FORMAT = 128; // bytes: the default format has 17
const MAX_ANSWER = 512; // bytes: a 2-byte '%c' gives 24, so no answer is more than 12 times its ask

// Python's `if __name__ == '__main__':`, true however the file is started (a copy, a symlink,
// another name). Only a test that imports strftime() sets the flag (see test/as-library.ts).
if (!(globalThis as { SOCKETS_KIT_IMPORT?: boolean }).SOCKETS_KIT_IMPORT) {
  const { host, port } = flags(8888);
  const failed = (err: NodeJS.ErrnoException) => fail(err, host, port);
  process.on('uncaughtException', failed);
  main(host, port).catch(failed);
}

async function main(host: string, port: number) {
  const sk = createSocket(isIPv6(host) ? 'udp6' : 'udp4'); // socket(type=SOCK_DGRAM)
  sk.bind(port, host);
  await once(sk, 'listening');
  const { address, port: bound } = sk.address() as AddressInfo;
  console.log(`listening on ${address.includes(':') ? `[${address}]` : address}:${bound}`);

  for await (const [data, addr] of on(sk, 'message') as AsyncIterable<[Buffer, RemoteInfo]>) {
    const msg = data.subarray(0, 1024).toString('utf8'); // recvfrom(1024), .decode('utf-8')
    if (msg === 'bye') break; // as in the listing: whoever sends 'bye' stops the server
    console.log(msg);
    const strTime = answer(data.length, msg); // time.strftime(msg), within the caps
    sk.send(strTime, addr.port, addr.address); // sendto(str_time, addr)
  }
  sk.close();
}

/** time.strftime(msg) within the caps. A refusal is always shorter than the format it refuses. */
function answer(size: number, format: string) {
  if (size > MAX_FORMAT) return `(refused: format over ${MAX_FORMAT} bytes)`;
  const text = strftime(format, new Date());
  return Buffer.byteLength(text) > MAX_ANSWER ? `(refused: answer over ${MAX_ANSWER} bytes)` : text;
}

// ---- time.strftime() in the C locale, as glibc does it -----------------------------------------

const pad = (n: number, width = 2, fill = '0') => String(n).padStart(width, fill);
const utcDay = (t: Date, m = t.getMonth(), d = t.getDate()) => Date.UTC(t.getFullYear(), m, d);
const yday = (t: Date) => (utcDay(t) - utcDay(t, 0, 1)) / 864e5; // days since 1 January
const offset = (east: number) => `${pad(Math.trunc(east / 60))}${pad(east % 60)}`;

/** Each directive: what it prints for the local time t, or the format it stands for. */
const DIRECTIVES: Record<string, string | ((t: Date) => unknown)> = {
  a: (t) => t.toLocaleString('en-US', { weekday: 'short' }), // the C locale's names are English
  A: (t) => t.toLocaleString('en-US', { weekday: 'long' }),
  b: (t) => t.toLocaleString('en-US', { month: 'short' }),
  B: (t) => t.toLocaleString('en-US', { month: 'long' }),
  c: '%a %b %e %H:%M:%S %Y',
  d: (t) => pad(t.getDate()),
  e: (t) => pad(t.getDate(), 2, ' '), // glibc: the day, space-padded (used by %c)
  F: '%Y-%m-%d', // glibc
  H: (t) => pad(t.getHours()),
  I: (t) => pad(t.getHours() % 12 || 12),
  j: (t) => pad(yday(t) + 1, 3),
  m: (t) => pad(t.getMonth() + 1),
  M: (t) => pad(t.getMinutes()),
  p: (t) => (t.getHours() < 12 ? 'AM' : 'PM'),
  S: (t) => pad(t.getSeconds()),
  T: '%H:%M:%S', // glibc
  U: (t) => pad(Math.floor((yday(t) + 7 - t.getDay()) / 7)), // weeks from Sunday; before: week 0
  w: (t) => t.getDay(),
  W: (t) => pad(Math.floor((yday(t) + 7 - ((t.getDay() + 6) % 7)) / 7)), // weeks from Monday
  x: '%m/%d/%y',
  X: '%H:%M:%S',
  y: (t) => pad(t.getFullYear() % 100),
  Y: (t) => t.getFullYear(),
  z: (t) => (t.getTimezoneOffset() > 0 ? '-' : '+') + offset(Math.abs(t.getTimezoneOffset())),
  Z: zoneName,
  '%': '%',
  // -- exercise 10-formats --
  // -- end of exercise 10-formats --
};

/** time.strftime(format) at time t. An unknown directive, or a lone % at the end, stays as is. */
export function strftime(format: string, t: Date): string {
  return format.replace(/%([\s\S]?)/g, (as, name: string) => {
    const directive = DIRECTIVES[name];
    if (directive === undefined) return as;
    return typeof directive === 'string' ? strftime(directive, t) : String(directive(t));
  });
}

/** %Z: glibc prints the tz database's abbreviation; Intl knows the common ones or the long name. */
function zoneName(t: Date) {
  const name = (locale: string, style: 'short' | 'long') =>
    new Intl.DateTimeFormat(locale, { timeZoneName: style })
      .formatToParts(t)
      .find((part) => part.type === 'timeZoneName')?.value ?? '';
  const short = [name('en-US', 'short'), name('en-GB', 'short')].find((n) => !/^GMT[+-]/.test(n));
  return short ?? name('en-US', 'long').replace(/[^A-Z]/g, ''); // China Standard Time: CST
}

// ---- plumbing: flags, errors -------------------------------------------------------------------

function flags(defaultPort: number) {
  const [{ deno, bun }, tsx] = [process.versions, process.execArgv.some((a) => a.includes('tsx'))];
  const run = deno ? 'deno run -A' : bun ? 'bun' : tsx ? 'npx tsx' : 'node';
  const usage = `usage: ${run} ${relative('.', process.argv[1] ?? '')} [--host 127.0.0.1] [--port ${defaultPort}]`;
  try {
    const [str, bool] = [{ type: 'string' }, { type: 'boolean' }] as const;
    const { values } = parseArgs({ options: { host: str, port: str, help: bool } });
    const { host = '127.0.0.1', port = `${defaultPort}`, help } = values;
    if (help) exit(usage, 0, console.log);
    if (!/^\d{1,5}$/.test(port) || +port > 65535)
      throw new Error(`--port takes a number from 0 to 65535, not '${port}'`);
    if (host === '0.0.0.0' || host === '::')
      console.error(`warning: ${host} means every interface: other machines can send to it`);
    return { host, port: +port };
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}

function fail(err: NodeJS.ErrnoException, host: string, port: number): never {
  const why: Record<string, string> = {
    EADDRINUSE: `${host}:${port} is already in use — stop the other server or choose another --port`,
    EADDRNOTAVAIL: `${host} is not an address of this machine — try --host 127.0.0.1`,
    EACCES: `no permission to bind ${host}:${port} — use a port above 1023`,
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
  };
  return exit(why[err.code ?? ''] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
