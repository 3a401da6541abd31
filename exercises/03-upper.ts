// Exercise 03-upper, cut from scripts/03-udp-server.ts: lesson 03. See exercises/README.md.
/**
 * @title UDP server: shout it back
 * @mirrors 二.2 ① server
 * @pair 04-udp-client.ts
 * @run npx tsx scripts/03-udp-server.ts --port 9000
 *
 * No listen, no accept, no connection: every datagram arrives with its sender's address, and the
 * server answers each one on its own, upper-cased, to that address.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { on, once } from 'node:events';
import { type AddressInfo, isIPv6 } from 'node:net';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

const { host, port } = flags(9000);
const BUFSIZE = 1024;
type Datagram = [Buffer, RemoteInfo]; // what 'message' gives: the bytes, and who sent them
process.on('uncaughtException', fail);
main().catch(fail);

async function main() {
  // socket(AF_INET, SOCK_DGRAM) + bind(): a datagram socket ('udp6' for an IPv6 host).
  const server = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  server.bind(port, host);
  await once(server, 'listening');
  const { address, port: bound } = server.address() as AddressInfo;
  console.log(`listening on ${address.includes(':') ? `[${address}]` : address}:${bound}`);

  // while True: recvfrom(). No accept(): each datagram arrives whole, with its sender's address.
  for await (const [data, addr] of on(server, 'message') as AsyncIterable<Datagram>) {
    const msg = data.subarray(0, BUFSIZE); // recvfrom(1024) takes at most 1024 bytes of it
    console.log(`${bytesRepr(msg)} ${addrTuple(addr)}`); // print(msg, addr)
    if (data.length > BUFSIZE) {
      console.log(`(read ${BUFSIZE} of ${data.length} bytes: the rest is lost)`);
    }
    server.send(upper(msg), addr.port, addr.address); // sendto(msg.upper(), addr)
  }
}

// bytes.upper(): only the ASCII letters a-z change; every other byte (UTF-8 too) stays as it is.
function upper(bytes: Buffer) {
  // -- exercise 03-upper --
  // TODO (exercise 03-upper): bytes.upper(): upper-case a datagram's bytes, as Python does
  // Return a copy of `bytes` in which each ASCII letter a-z is its capital A-Z;
  // every other byte (digits, UTF-8 sequences, bytes that are not UTF-8) stays as it is.
  // Work on the bytes: a round trip through a string changes what is not ASCII.
  // A hint: npm run exercises -- hint 03-upper. Done? npm run exercises -- check 03-upper
  // -- end of exercise 03-upper --
}

// ---- what Python's print() shows, then plumbing: flags, errors --------------------------------

/** repr() of a bytes value: b'hello', b'h\xc3\xa9llo', b"it's". */
function bytesRepr(bytes: Buffer) {
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  const named: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r', 92: '\\\\' };
  named[quote.charCodeAt(0)] = `\\${quote}`;
  const hex = (b: number) => `\\x${b.toString(16).padStart(2, '0')}`;
  const show = (b: number) => named[b] ?? (b < 0x20 || b > 0x7e ? hex(b) : String.fromCharCode(b));
  return `b${quote}${Array.from(bytes, show).join('')}${quote}`;
}

/** An address as Python prints it: ('127.0.0.1', 54321), or ('::1', 54321, 0, 0) for IPv6. */
function addrTuple({ address, port, family }: RemoteInfo) {
  return family === 'IPv6' ? `('${address}', ${port}, 0, 0)` : `('${address}', ${port})`;
}

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

function fail(err: NodeJS.ErrnoException): never {
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
