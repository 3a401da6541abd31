/**
 * @title UDP client: send a line, get it back loud
 * @mirrors 二.2 ② client
 * @pair 03-udp-server.ts
 * @run npx tsx scripts/04-udp-client.ts --port 9000
 *
 * Sends each typed line as one datagram and prints the answer with the address it came from.
 * Nothing tells a UDP client that no server is there, so it gives up after --timeout seconds.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { on } from 'node:events';
import { isIPv6 } from 'node:net';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { host, port, timeout } = flags(9000);
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator]();
const BUFSIZE = 1024;
process.on('uncaughtException', fail);
main().catch(fail);

async function main() {
  // socket(AF_INET, SOCK_DGRAM): no connect(); the kernel picks our port at the first send.
  const udpClient = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  // The socket's queue of datagrams, as the kernel keeps it: each read takes the oldest one.
  const received = on(udpClient, 'message') as AsyncIterator<[Buffer, RemoteInfo]>;

  while (true) {
    const line = await input('>>: ');
    if (line === undefined) break; // end of input: stop cleanly
    const msg = line.trim(); // .strip()
    if (!msg) continue; // if not msg: continue
    udpClient.send(msg, port, host, (err) => err && fail(err)); // sendto(msg.encode(), ip_port)
    const [backMsg, addr] = await recvfrom(received); // recvfrom(BUFSIZE), but not for ever
    console.log(`${backMsg.subarray(0, BUFSIZE).toString('utf8')} ${addrTuple(addr)}`);
  }
  udpClient.close();
  keyboard.close();
}

/** The next datagram; nothing else will ever say that no server is there, so not for ever. */
async function recvfrom(received: AsyncIterator<[Buffer, RemoteInfo]>) {
  // -- exercise 04-timeout --
  const what = `within ${timeout} s — start 03-udp-server.ts first, or try again`;
  const timer = setTimeout(() => exit(`no answer from ${host}:${port} ${what}`, 1), timeout * 1000);
  const { value } = await received.next();
  clearTimeout(timer);
  return value;
  // -- end of exercise 04-timeout --
}

// ---- what Python's print() shows, then plumbing: flags, typed input, errors -------------------

/** An address as Python prints it: ('127.0.0.1', 9000), or ('::1', 9000, 0, 0) for IPv6. */
function addrTuple({ address, port, family }: RemoteInfo) {
  return family === 'IPv6' ? `('${address}', ${port}, 0, 0)` : `('${address}', ${port})`;
}

function flags(defaultPort: number) {
  const [{ deno, bun }, tsx] = [process.versions, process.execArgv.some((a) => a.includes('tsx'))];
  const run = deno ? 'deno run -A' : bun ? 'bun' : tsx ? 'npx tsx' : 'node';
  const usage = `usage: ${run} ${relative('.', process.argv[1] ?? '')} [--host 127.0.0.1] [--port ${defaultPort}] [--timeout 2]`;
  try {
    const [str, bool] = [{ type: 'string' }, { type: 'boolean' }] as const;
    const { values } = parseArgs({ options: { host: str, port: str, timeout: str, help: bool } });
    const { host = '127.0.0.1', port = `${defaultPort}`, timeout = '2', help } = values;
    if (help) exit(usage, 0, console.log);
    if (!/^\d{1,5}$/.test(port) || +port > 65535)
      throw new Error(`--port takes a number from 0 to 65535, not '${port}'`);
    if (!/^\d*\.?\d+$/.test(timeout) || +timeout <= 0 || +timeout > 3600)
      throw new Error(`--timeout takes seconds, more than 0 and at most 3600, not '${timeout}'`);
    return { host, port: +port, timeout: +timeout };
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}

async function input(prompt: string): Promise<string | undefined> {
  process.stdout.write(prompt);
  const { value, done } = await lines.next();
  if (done) process.stdout.write('\n');
  return done ? undefined : value;
}

function fail(err: NodeJS.ErrnoException): never {
  const why: Record<string, string> = {
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
    EMSGSIZE: 'that line is too long for one datagram — send a shorter one',
  };
  return exit(why[err.code ?? ''] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
