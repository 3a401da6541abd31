/**
 * @title TCP server: many clients, one at a time
 * @mirrors 二.1 ④ server
 * @pair 07-tcp-multi-client.ts
 * @run npx tsx scripts/06-tcp-multi-server.ts --port 8088
 * @long clients wait in a queue: tracking them (to let them go at the end) and one recv per client
 *
 * Serves clients one after another, in the order they connected: one message, one typed answer,
 * then the next client. The others wait meanwhile. A client that sends `bye` stops the server.
 */
import { on, once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { host, port } = flags('06-tcp-multi-server.ts', 8088);
process.on('uncaughtException', fail);
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator]();
const clients = new Set<Socket>(); // every connection still open, served or waiting

// socket() + bind() + listen(3): 3 is the backlog, the kernel's queue of connections not yet
// accepted. Node accepts each one at once, so here the waiting happens in the loop's queue below.
const server = createServer().on('connection', keep);
server.listen({ port, host, backlog: 3 });
await once(server, 'listening');
console.log(`listening on ${where(server.address())}`);

// while True: conn, addr = sk.accept(). on() hands over the connections one by one, in order.
for await (const [conn] of on(server, 'connection') as AsyncIterableIterator<[Socket]>) {
  const res = await recv(conn); // conn.recv(1024).decode('utf-8')
  if (res === undefined) continue; // this client left before saying anything: take the next
  if (res === 'bye') break;
  console.log('收到', res);
  let info = await input('请输入>>>');
  while (info === '') info = await input('请输入>>>'); // send(b'') sends nothing: ask again
  if (info === undefined) break; // end of input: no one is left to answer, stop serving
  conn.write(info); // send()
  conn.destroySoon(); // conn.close(): FIN once the answer is out, then on to the next client
}
server.close(); // sk.close()
// Let go of anyone still waiting: take what they sent (closing with unread bytes would reset
// them), send FIN, and give each a second to hang up before the socket is dropped.
for (const waiting of clients)
  waiting
    .resume()
    .end()
    .setTimeout(1000, () => waiting.destroy());
keyboard.close();

// ---- plumbing: tracking clients, one recv, flags, typed input, errors ------------------------

function keep(conn: Socket) {
  clients.add(conn);
  conn.setEncoding('utf8'); // .decode('utf-8'), safe for a character split across two reads
  conn.on('close', () => clients.delete(conn));
  conn.on('error', (err: NodeJS.ErrnoException) =>
    console.error(`a client went away (${err.code ?? err.message}) — the server goes on`),
  );
}

/** One recv(): the first text this client sent, or undefined if it closed or reset first. */
async function recv(conn: Socket): Promise<string | undefined> {
  try {
    const { value, done } = await conn[Symbol.asyncIterator]().next();
    if (!done) return value;
    console.log('(the client closed the connection)');
  } catch {
    // a reset: keep() has said so on stderr
  }
  return undefined;
}

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
  };
  return exit(why[err.code ?? ''] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
