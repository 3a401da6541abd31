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
import { once } from 'node:events';
import { isIPv6 } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { host, port, timeout } = flags('11-udp-time-client.ts', 8888);
process.on('uncaughtException', fail);
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator]();
const DEFAULT_FORMAT = '%Y-%m-%d %H-%M-%S';

const sk = createSocket(isIPv6(host) ? 'udp6' : 'udp4'); // socket(type=SOCK_DGRAM)

while (true) {
  const line = await input('请输入想要的格式(或者直接回车默认格式):>>>');
  if (line === undefined) break; // end of input: stop cleanly
  let formatType = line.trim(); // .strip()
  if (formatType.toLowerCase() === 'bye') break;
  if (!formatType) {
    console.log(`你没输入格式,那就默认啦!${DEFAULT_FORMAT}`);
    formatType = DEFAULT_FORMAT;
  }
  sk.send(formatType, port, host); // sendto(bytes(format_type, encoding='utf-8'), ('127.0.0.1', 8888))
  const [msg] = await answer(); // recvfrom(1024), but not for ever
  console.log(msg.subarray(0, 1024).toString('utf8')); // print(msg.decode('utf-8'))
}
sk.close(); // close()
keyboard.close();

// Wait for the next datagram; nothing else will ever say that no server is there.
async function answer() {
  try {
    const signal = AbortSignal.timeout(timeout * 1000);
    return (await once(sk, 'message', { signal })) as [Buffer, RemoteInfo];
  } catch (err) {
    if ((err as Error).name !== 'AbortError') return fail(err as NodeJS.ErrnoException);
    const what = 'start 10-udp-time-server.ts first, or try again';
    return exit(`no answer from ${host}:${port} within ${timeout} s — ${what}`, 1);
  }
}

// ---- plumbing: flags, typed input, errors -----------------------------------------------------

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
    EMSGSIZE: 'that format is too long for one datagram — send a shorter one',
  };
  return exit(why[err.code ?? ''] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
