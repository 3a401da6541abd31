// Exercise 06-at-once, cut from scripts/06-tcp-multi-server.ts: lesson 06. See exercises/README.md.
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
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { host, port } = flags(8088);
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator]();
const clients = new Set<Socket>(); // every connection still open, served or waiting
process.on('uncaughtException', fail);
main().catch(fail);

async function main() {
  // socket() + bind() + listen(3): 3 is the backlog, the kernel's queue of connections not yet
  // accepted. Node accepts each one at once, so here the waiting happens in the loop's queue below.
  const server = createServer().on('connection', keep);
  server.listen({ port, host, backlog: 3 });
  await once(server, 'listening');
  const { address, port: bound } = server.address() as AddressInfo;
  console.log(`listening on ${address.includes(':') ? `[${address}]` : address}:${bound}`);
  // -- exercise 06-at-once --
  // TODO (exercise 06-at-once): serve every client at once instead of in turn (when AT_ONCE=1)
  // When the environment variable AT_ONCE is set, serve each connection as it comes, in an async
  // function of its own, instead of the one-at-a-time loop below: a second client is shown and
  // answered while the first still waits. The keyboard takes one prompt at a time, in the order
  // the messages came. bye still stops the server. Run it: AT_ONCE=1 npx tsx FILE
  // A hint: npm run exercises -- hint 06-at-once. Done? npm run exercises -- check 06-at-once
  // -- end of exercise 06-at-once --

  // while True: conn, addr = sk.accept(). on() hands over the connections one by one, in order.
  for await (const [conn] of on(server, 'connection') as AsyncIterableIterator<[Socket]>) {
    const received = conn[Symbol.asyncIterator]();
    const res = await recv(received.next()); // conn.recv(1024).decode('utf-8')
    if (res === undefined) continue; // this client left before saying anything: take the next
    if (res === 'bye') break;
    console.log('收到', res);
    const gone = rest(received); // the client's end, noticed even at the keyboard: see input()
    let info = await input('请输入>>>', gone);
    while (info === '') info = await input('请输入>>>', gone); // send(b'') sends nothing
    if (info === null) continue; // the client left while we waited: serve the next one
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
}

// ---- plumbing: tracking clients, one recv, flags, typed input, errors ------------------------

function keep(conn: Socket) {
  clients.add(conn);
  conn.setEncoding('utf8'); // .decode('utf-8'), safe for a character split across two reads
  conn.on('close', () => clients.delete(conn));
  conn.on('error', (err: NodeJS.ErrnoException) =>
    console.error(`a client went away (${err.code ?? err.message}) — the server goes on`),
  );
}

/** One recv(): the first text a client sent, or undefined if it closed or reset first. */
async function recv(next: Promise<IteratorResult<string>>): Promise<string | undefined> {
  try {
    const { value, done } = await next;
    if (!done) return value;
    console.log('(the client closed the connection)');
  } catch {
    // a reset: keep() has said so on stderr
  }
  return undefined;
}

/** What the client sends after its message, read and dropped (the listing never reads it), so
 * that its end is seen at once, not queued behind those bytes: done at the end, throws at a reset. */
async function rest(received: AsyncIterator<string>): Promise<IteratorResult<string>> {
  for (let r = await received.next(); ; r = await received.next()) if (r.done) return r;
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
      console.error(`warning: ${host} means every interface: other machines can connect`);
    return { host, port: +port };
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}

let typing: Promise<IteratorResult<string>> | undefined; // a line asked for, not yet used

/** input(): a typed line; undefined at the end of input, null once the client has gone. */
async function input(prompt: string, client: Promise<IteratorResult<string>>) {
  process.stdout.write(prompt);
  const gone = client.then(
    (r) => (r.done ? 'closed' : new Promise<never>(() => {})),
    () => 'reset',
  );
  typing ??= lines.next(); // kept across clients: a line typed after a hang-up is not lost
  const typed = await Promise.race([typing, gone]);
  if (typeof typed === 'string') {
    console.log(typed === 'closed' ? '\n(the client closed the connection)' : '');
    return null;
  }
  typing = undefined;
  if (typed.done) process.stdout.write('\n');
  return typed.done ? undefined : typed.value;
}

function fail(err: NodeJS.ErrnoException): never {
  const why: Record<string, string> = {
    EADDRINUSE: `${host}:${port} is already in use — stop the other server or choose another --port`,
    EADDRNOTAVAIL: `${host} is not an address of this machine — try --host 127.0.0.1`,
    EACCES: `no permission to listen on ${host}:${port} — use a port above 1023`,
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
  };
  const code = err.code === 'EINVAL' ? 'EADDRNOTAVAIL' : (err.code ?? ''); // EINVAL: Deno's word
  return exit(why[code] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
