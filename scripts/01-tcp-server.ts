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
import { type AddressInfo, createServer } from 'node:net';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { host, port } = flags(8088);
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator]();
process.on('uncaughtException', fail);
main().catch(fail);

async function main() {
  // socket() + bind() + listen() are one call in Node; 'listening' says the port is ours.
  const server = createServer().listen(port, host);
  await once(server, 'listening');
  const { address, port: bound } = server.address() as AddressInfo;
  console.log(`listening on ${address.includes(':') ? `[${address}]` : address}:${bound}`);

  // accept(): wait for the first client, then stop taking more (the listing serves only one).
  const [conn] = await once(server, 'connection');
  server.close();
  conn.on('error', fail); // a reset is reported at once, even while we wait for typed input
  conn.setEncoding('utf8'); // .decode('utf-8'), safe for a character split across two reads
  const received = conn[Symbol.asyncIterator]();
  let next = received.next(); // recv(1024): wait for the next bytes (up to 64 KiB in Node)
  while (true) {
    const { value: res, done } = await next;
    if (done) {
      console.log('(the client closed the connection)');
      break;
    }
    if (res === 'bye') break;
    console.log(res);
    next = received.next(); // go on listening while we wait at the keyboard: see input()
    let info = await input('请输入:\n>>>', next);
    while (info === '') info = await input('请输入:\n>>>', next); // send(b'') sends nothing
    if (info === undefined) break; // end of input, or the client left: hang up cleanly
    conn.write(info); // send()
  }
  conn.destroySoon(); // close(): FIN once anything still queued is out, then let go of it
  keyboard.close();
}

// ---- plumbing: flags, typed input, errors ----------------------------------------------------

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

/** input(): a typed line; undefined at the end of input or a hang-up; a reset throws. */
async function input(prompt: string, peer: Promise<IteratorResult<unknown>>) {
  process.stdout.write(prompt);
  const hungUp = peer.then((r) => (r.done ? 'hung up' : new Promise<never>(() => {})));
  const typed = await Promise.race([lines.next(), hungUp]);
  if (typed === 'hung up') console.log('\n(the client closed the connection)');
  else if (typed.done) process.stdout.write('\n');
  return typed === 'hung up' || typed.done ? undefined : typed.value;
}

function fail(err: NodeJS.ErrnoException): never {
  const why: Record<string, string> = {
    EADDRINUSE: `${host}:${port} is already in use — stop the other server or choose another --port`,
    EADDRNOTAVAIL: `${host} is not an address of this machine — try --host 127.0.0.1`,
    EACCES: `no permission to listen on ${host}:${port} — use a port above 1023`,
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
    ECONNRESET: 'the client reset the connection — it is gone',
  };
  const code = err.code === 'EINVAL' ? 'EADDRNOTAVAIL' : (err.code ?? ''); // EINVAL: Deno's word
  return exit(why[code] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
