/**
 * @title TCP client: the other half of the chat
 * @mirrors 二.1 ② client
 * @pair 01-tcp-server.ts 05-tcp-reuseaddr-server.ts
 * @run npx tsx scripts/02-tcp-client.ts --port 8088
 *
 * Connects to the server, then takes turns with it: send a typed line, print the answer.
 * Either side ends the chat by sending `bye`.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { host, port } = flags('02-tcp-client.ts', 8088);
process.on('uncaughtException', fail);
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator]();

// socket() + connect(): Node does both in one call; 'connect' says the handshake is done.
const sk = connect(port, host).on('error', fail); // refused, reset: one line, exit 1
await once(sk, 'connect');
sk.setEncoding('utf8'); // .decode('utf-8'), safe for a character split across two reads

const received = sk[Symbol.asyncIterator]();
while (true) {
  const info = await input('请输入:\n>>>');
  if (info === undefined) break; // end of input: hang up cleanly
  if (!info) continue; // send(b'') sends nothing and the answer would never come: ask again
  sk.write(info); // send()
  const { value: res, done } = await received.next(); // recv(1024): wait for the answer
  if (done) {
    console.log('(the server closed the connection)');
    break;
  }
  if (res === 'bye') break;
  console.log(res);
}
sk.end(); // close(): sends FIN once anything still queued is out
keyboard.close();

// ---- plumbing: flags, typed input, errors ----------------------------------------------------

function flags(name: string, defaultPort: number) {
  const usage = `usage: npx tsx scripts/${name} [--host 127.0.0.1] [--port ${defaultPort}]`;
  try {
    const { values } = parseArgs({
      options: { host: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean' } },
    });
    if (values.help) exit(usage, 0, console.log);
    const text = values.port ?? String(defaultPort);
    if (!/^\d+$/.test(text) || Number(text) > 65535) {
      throw new Error(`--port takes a number from 0 to 65535, not '${text}'`);
    }
    return { host: values.host ?? '127.0.0.1', port: Number(text) };
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
  const at = `${host}:${port}`;
  const why: Record<string, string> = {
    ECONNREFUSED: `nothing is listening on ${at} — start 01-tcp-server.ts first`,
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
    ECONNRESET: 'the server reset the connection — it is gone',
    EPIPE: 'the server went away before the message was sent',
  };
  return exit(why[err.code ?? ''] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
