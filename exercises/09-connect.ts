// Exercise 09-connect, cut from scripts/09-udp-chat-client.ts: lesson 09. See exercises/README.md.
/**
 * @title UDP chat client: messages in yellow
 * @mirrors 二.2 ③ client
 * @pair 08-udp-chat-server.ts
 * @run npx tsx scripts/09-udp-chat-client.ts --port 8888
 *
 * Wraps each typed line in a yellow "来自client的消息" prefix, sends it, and waits for the
 * server's typed answer, however long that takes. The server's `bye` ends the chat.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { on, once } from 'node:events';
import { isIPv6 } from 'node:net';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { host, port } = flags(8888);
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator]();
process.on('uncaughtException', fail);
main().catch(fail);

async function main() {
  // socket(type=SOCK_DGRAM), connected to ip_port: every send goes there, only its answers are
  // taken, and "nothing listening there" comes back as ECONNREFUSED instead of silence.
  const sk = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  // -- exercise 09-connect --
  // TODO (exercise 09-connect): connect the UDP socket: one peer, and a refusal you can hear
  // Connect the socket to the server's `port` and `host`, and wait until it is connected.
  // Then every `send()` goes there, only its datagrams are taken, and an ICMP "port
  // unreachable" comes back as an ECONNREFUSED error instead of silence.
  // A hint: npm run exercises -- hint 09-connect. Done? npm run exercises -- check 09-connect
  // -- end of exercise 09-connect --
  const received = on(sk, 'message') as AsyncIterator<[Buffer, RemoteInfo]>;

  while (true) {
    const info = await input('client:');
    if (info === undefined) break; // end of input: stop cleanly
    // '\033[33m来自client的消息 :%s\033[0m' % info: ESC[33m turns the text yellow, ESC[0m back.
    sk.send(`\x1b[33m来自client的消息 :${info}\x1b[0m`, (err) => err && fail(err)); // sendto()
    const { value } = await received.next(); // recvfrom(1024): as long as the other side types
    const msg = value?.[0].subarray(0, 1024).toString('utf8'); // .decode('utf-8')
    if (msg === 'bye') break;
    console.log(msg);
  }
  sk.close(); // close()
  keyboard.close();
}

// ---- plumbing: flags, typed input, errors -----------------------------------------------------

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
    ECONNREFUSED: `nothing is listening on ${host}:${port} — start 08-udp-chat-server.ts first`,
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
    EMSGSIZE: 'that line is too long for one datagram — send a shorter one',
  };
  return exit(why[err.code ?? ''] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
