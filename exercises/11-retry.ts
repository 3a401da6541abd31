// Exercise 11-retry, cut from scripts/11-udp-time-client.ts: lesson 11. See exercises/README.md.
/**
 * @title UDP time client: ask for the time
 * @mirrors 二.2 ④ client
 * @pair 10-udp-time-server.ts
 * @run npx tsx scripts/11-udp-time-client.ts --port 8888
 *
 * Sends a strftime format (or, on an empty line, the default one) and prints the time that comes
 * back. `bye` ends the client. No answer within --timeout seconds means no server, or a lost datagram.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { on } from 'node:events';
import { isIPv6 } from 'node:net';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { host, port, timeout } = flags(8888);
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator]();
const DEFAULT_FORMAT = '%Y-%m-%d %H-%M-%S';
process.on('uncaughtException', fail);
main().catch(fail);

async function main() {
  const sk = createSocket(isIPv6(host) ? 'udp6' : 'udp4'); // socket(type=SOCK_DGRAM)
  // The socket's queue of datagrams, as the kernel keeps it: each read takes the oldest one.
  const received = on(sk, 'message') as AsyncIterator<[Buffer, RemoteInfo]>;

  while (true) {
    const line = await input('请输入想要的格式(或者直接回车默认格式):>>>');
    if (line === undefined) break; // end of input: stop cleanly
    let formatType = line.trim(); // .strip()
    if (formatType.toLowerCase() === 'bye') break;
    if (!formatType) {
      console.log(`你没输入格式,那就默认啦!${DEFAULT_FORMAT}`);
      formatType = DEFAULT_FORMAT;
    }
    sk.send(formatType, port, host, (err) => err && fail(err)); // sendto(bytes(format_type), addr)
    // -- exercise 11-retry --
    // TODO (exercise 11-retry): retry: a UDP datagram may be lost, so ask again
    // Before the answer is read below: if none comes within `timeout` seconds, send the format
    // again; 3 tries in all, then let `recvfrom()` give up as it does. Say each retry on a line.
    // A hint: npm run exercises -- hint 11-retry. Done? npm run exercises -- check 11-retry
    // -- end of exercise 11-retry --
    const [msg] = await recvfrom(received); // recvfrom(1024), but not for ever
    console.log(msg.subarray(0, 1024).toString('utf8')); // print(msg.decode('utf-8'))
  }
  sk.close(); // close()
  keyboard.close();
}

/** The next datagram; nothing else will ever say that no server is there, so not for ever. */
async function recvfrom(received: AsyncIterator<[Buffer, RemoteInfo]>) {
  const what = `within ${timeout} s — start 10-udp-time-server.ts first, or try again`;
  const timer = setTimeout(() => exit(`no answer from ${host}:${port} ${what}`, 1), timeout * 1000);
  const { value } = await received.next();
  clearTimeout(timer);
  return value;
}

// ---- plumbing: flags, typed input, errors -----------------------------------------------------

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
    EMSGSIZE: 'that format is too long for one datagram — send a shorter one',
  };
  return exit(why[err.code ?? ''] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
