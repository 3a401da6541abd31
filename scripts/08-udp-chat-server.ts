/**
 * @title UDP chat server: the "QQ" of the tutorial
 * @mirrors 二.2 ③ server
 * @pair 09-udp-chat-client.ts
 * @run npx tsx scripts/08-udp-chat-server.ts --port 8888
 *
 * Prints who sent each message and what it says, then answers that address with a typed line.
 * Typing `bye` ends the client's chat; a client's `bye` ends the server.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { on, once } from 'node:events';
import { type AddressInfo, isIPv6 } from 'node:net';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { host, port } = flags(8888);
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator]();
const [PREFIX, SUFFIX] = ['\x1b[33m来自client的消息 :', '\x1b[0m']; // the client's yellow wrapping
process.on('uncaughtException', fail);
main().catch(fail);

async function main() {
  const sk = createSocket(isIPv6(host) ? 'udp6' : 'udp4'); // socket(type=SOCK_DGRAM)
  sk.bind(port, host); // bind()
  await once(sk, 'listening');
  const { address, port: bound } = sk.address() as AddressInfo;
  console.log(`listening on ${address.includes(':') ? `[${address}]` : address}:${bound}`);

  for await (const [data, addr] of on(sk, 'message') as AsyncIterable<[Buffer, RemoteInfo]>) {
    const msg = data.subarray(0, 1024).toString('utf8'); // recvfrom(1024), .decode('utf-8')
    console.log(`消息地址: ${addrTuple(addr)}`); // the listing's '消息地址:' + addr: TypeError
    // -- exercise 08-bye --
    if (msg === 'bye' || msg === `${PREFIX}bye${SUFFIX}`) {
      await sendto(sk, 'bye', addr); // say bye back: the client stops waiting for an answer
      break;
    }
    // -- end of exercise 08-bye --
    console.log(msg);
    const info = await input('>>>');
    await sendto(sk, info ?? 'bye', addr); // '' is an empty datagram; end of input says bye
    if (info === undefined) break;
  }
  sk.close(); // close()
  keyboard.close();
}

// ---- sendto(), Python's address tuple, then plumbing: flags, typed input, errors --------------

/** Resolves once the datagram is handed to the kernel: only then is close() safe. */
function sendto(sk: Socket, text: string, { port, address }: RemoteInfo) {
  return new Promise((sent) => sk.send(text, port, address, (err) => (err ? fail(err) : sent(0))));
}

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

async function input(prompt: string): Promise<string | undefined> {
  process.stdout.write(prompt);
  const { value, done } = await lines.next();
  if (done) process.stdout.write('\n');
  return done ? undefined : value;
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
