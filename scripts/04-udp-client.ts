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
import { once } from 'node:events';
import { isIPv6 } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { host, port, timeout } = flags('04-udp-client.ts', 9000);
process.on('uncaughtException', fail);
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator]();
const BUFSIZE = 1024;

// socket(AF_INET, SOCK_DGRAM): no connect(); the kernel picks our port at the first send.
const udpClient = createSocket(isIPv6(host) ? 'udp6' : 'udp4');

while (true) {
  const line = await input('>>: ');
  if (line === undefined) break; // end of input: stop cleanly
  const msg = line.trim(); // .strip()
  if (!msg) continue; // if not msg: continue
  udpClient.send(msg, port, host); // sendto(msg.encode('utf-8'), ip_port)
  const [backMsg, addr] = await answer(); // recvfrom(BUFSIZE), but not for ever
  console.log(`${backMsg.subarray(0, BUFSIZE).toString('utf8')} ${addrTuple(addr)}`);
}
udpClient.close();
keyboard.close();

// Wait for the next datagram; nothing else will ever say that no server is there.
async function answer() {
  try {
    const signal = AbortSignal.timeout(timeout * 1000);
    return (await once(udpClient, 'message', { signal })) as [Buffer, RemoteInfo];
  } catch (err) {
    if ((err as Error).name !== 'AbortError') return fail(err as NodeJS.ErrnoException);
    const what = 'start 03-udp-server.ts first, or try again';
    return exit(`no answer from ${host}:${port} within ${timeout} s — ${what}`, 1);
  }
}

// ---- what Python's print() shows, then plumbing: flags, typed input, errors -------------------

/** An address as Python prints it: ('127.0.0.1', 9000), or ('::1', 9000, 0, 0) for IPv6. */
function addrTuple({ address, port, family }: RemoteInfo) {
  return family === 'IPv6' ? `('${address}', ${port}, 0, 0)` : `('${address}', ${port})`;
}

function flags(name: string, defaultPort: number) {
  const usage = `usage: npx tsx scripts/${name} [--host 127.0.0.1] [--port ${defaultPort}] [--timeout 2]`;
  try {
    const str = { type: 'string' } as const;
    const { values } = parseArgs({
      options: { host: str, port: str, timeout: str, help: { type: 'boolean' } },
    });
    if (values.help) exit(usage, 0, console.log);
    const text = values.port ?? String(defaultPort);
    if (!/^\d+$/.test(text) || Number(text) > 65535) {
      throw new Error(`--port takes a number from 0 to 65535, not '${text}'`);
    }
    const seconds = values.timeout ?? '2';
    if (!/^\d*\.?\d+$/.test(seconds) || Number(seconds) <= 0 || Number(seconds) > 3600) {
      throw new Error(`--timeout takes seconds, more than 0 and at most 3600, not '${seconds}'`);
    }
    return { host: values.host ?? '127.0.0.1', port: Number(text), timeout: Number(seconds) };
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
