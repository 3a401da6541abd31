/**
 * @title TCP server: a chat in lock-step
 * @mirrors 二.1 ① server
 * @pair 02-tcp-client.ts
 * @run npx tsx scripts/01-tcp-server.ts --port 8088
 *
 * Waits for one client, then takes turns with it: print what arrived, answer with a typed line.
 * Either side ends the chat by sending `bye`.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { host, port } = flags('01-tcp-server.ts', 8088);
process.on('uncaughtException', fail);
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator]();

// socket() + bind() + listen() are one call in Node; 'listening' says the port is ours.
const server = createServer();
server.listen(port, host);
await once(server, 'listening');
console.log(`listening on ${where(server.address())}`);

// accept(): wait for the first client, then stop taking more (the listing serves only one).
const [conn] = await once(server, 'connection');
server.close();
conn.on('error', fail); // a reset is reported at once, even while we wait for typed input
conn.setEncoding('utf8'); // .decode('utf-8'), safe for a character split across two reads

const received = conn[Symbol.asyncIterator]();
while (true) {
  const { value: res, done } = await received.next(); // recv(1024): wait for the next bytes
  if (done) {
    console.log('(the client closed the connection)');
    break;
  }
  if (res === 'bye') break;
  console.log(res);
  let info = await input('请输入:\n>>>');
  while (info === '') info = await input('请输入:\n>>>'); // send(b'') sends nothing: ask again
  if (info === undefined) break; // end of input: hang up cleanly
  conn.write(info); // send()
}
conn.end(); // close(): sends FIN once anything still queued is out
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
    const host = values.host ?? '127.0.0.1';
    if (host === '0.0.0.0' || host === '::') {
      console.error(`warning: ${host} means every interface: other machines can connect`);
    }
    return { host, port: Number(text) };
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

function where(address: unknown) {
  const { address: ip, port } = address as { address: string; port: number };
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function fail(err: NodeJS.ErrnoException): never {
  const at = `${host}:${port}`;
  const why: Record<string, string> = {
    EADDRINUSE: `${at} is already in use — stop the other server or choose another --port`,
    EADDRNOTAVAIL: `${host} is not an address of this machine — try --host 127.0.0.1`,
    EACCES: `no permission to listen on ${at} — use a port above 1023`,
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
    ECONNRESET: 'the client reset the connection — it is gone',
    EPIPE: 'the client went away before the answer was sent',
  };
  return exit(why[err.code ?? ''] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
