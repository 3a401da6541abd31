/**
 * @title TCP client: wait your turn
 * @mirrors 二.1 ④ client
 * @pair 06-tcp-multi-server.ts
 * @run npx tsx scripts/07-tcp-multi-client.ts --port 8088
 *
 * Connects, sends one typed line, and prints the answer once the server gets round to it; the
 * server then hangs up to serve the next client. Sending `bye` stops the server.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { host, port } = flags('07-tcp-multi-client.ts', 8088);
process.on('uncaughtException', fail);
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator]();

// socket() + connect(): this succeeds even while the server is busy with another client.
const sk = connect(port, host).on('error', fail); // refused, reset: one line, exit 1
await once(sk, 'connect');
sk.setEncoding('utf8'); // .decode('utf-8'), safe for a character split across two reads

let info = await input('请输入>>>');
while (info === '') info = await input('请输入>>>'); // send(b'') sends nothing: ask again
if (info !== undefined) {
  sk.write(info); // send(): `bye` too, which tells the server to stop
  if (info !== 'bye') {
    for await (const res of sk) console.log(res); // recv(1024): the answer, when our turn comes
    console.log('(the server closed the connection)'); // it answers once, then serves the next
  }
}
sk.end(); // close()
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
    ECONNREFUSED: `nothing is listening on ${at} — start 06-tcp-multi-server.ts first`,
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
