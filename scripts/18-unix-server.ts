/**
 * @title UNIX socket server: lesson 01's chat over a socket file
 * @mirrors 一.5 ① AF_UNIX (beyond the tutorial)
 * @pair 19-unix-client.ts
 * @run npx tsx scripts/18-unix-server.ts --path /tmp/chat.sock
 * @long a socket file needs looking after: owner-only, stale or live, not a socket, gone at the end
 *
 * Lesson 01's lock-step chat over an AF_UNIX socket: the address is a path, the socket a file
 * that only its owner may connect to, deleted when the server ends. `--path @name` uses Linux's
 * abstract namespace instead: a name with no file.
 */
import { once } from 'node:events';
import { lstatSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

let server: Server | undefined; // while it listens, its socket file exists: see quit()
const { path, address } = flags(join(tmpdir(), `sockets-kit-${process.getuid?.() ?? 'user'}.sock`));
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator]();
process.on('uncaughtException', fail);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => quit(signal));
main().catch(fail);

async function main() {
  // socket(AF_UNIX) + bind(path) + listen(): lesson 01's call, with a path instead of a port.
  server = await listen(address); // bind() creates the socket file, mode 0600: see listen()
  console.log(`listening on ${path}`);

  // accept(): the first client, then stop taking more; close() also deletes the socket file.
  const [conn] = await once(server, 'connection');
  server.close();
  conn.on('error', fail); // a reset is reported at once, even while we wait for typed input
  conn.setEncoding('utf8'); // a byte stream, as over TCP: decoded safely across reads

  const received = conn[Symbol.asyncIterator]();
  let next = received.next(); // recv(1024): wait for the next bytes
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

// ---- plumbing: the socket file, flags, typed input, errors -----------------------------------

/** bind() + listen(), owner-only; a socket file that no server answers on is stale: replace it. */
async function listen(at: string): Promise<Server> {
  const mask = process.umask(0o177); // bind() creates the file as 0777 & ~umask: 0600, rw-------
  const listener = createServer().listen(at);
  process.umask(mask);
  try {
    await once(listener, 'listening');
    return listener;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || at.startsWith('\0')) throw err;
    // -- exercise 18-stale --
    if (!lstatSync(at).isSocket()) throw Object.assign(err as Error, { code: 'ENOTSOCK' });
    if (await answers(at)) throw err; // a live server: in use
    unlinkSync(at); // nobody listens on it: a server died and left it behind
    return listen(at);
    // -- end of exercise 18-stale --
  }
}

/** Does a server answer on this socket file? connect() tells: ECONNREFUSED means none does. */
function answers(at: string) {
  return new Promise<boolean>((ok) => {
    const probe = connect(at, () => {
      probe.destroy(); // a server took the call: hang up at once
      ok(true);
    });
    probe.on('error', (err: NodeJS.ErrnoException) => ok(err.code !== 'ECONNREFUSED'));
  });
}

/** Ctrl+C or kill: stop listening (which deletes the socket file), then die of the signal. */
function quit(signal: NodeJS.Signals) {
  if (server?.listening) server.close();
  process.kill(process.pid, signal);
}

function flags(defaultPath: string) {
  const [{ deno, bun }, tsx] = [process.versions, process.execArgv.some((a) => a.includes('tsx'))];
  const run = deno ? 'deno run -A' : bun ? 'bun' : tsx ? 'npx tsx' : 'node';
  const usage = `usage: ${run} ${relative('.', process.argv[1] ?? '')} [--path ${defaultPath}]`;
  try {
    const [str, bool] = [{ type: 'string' }, { type: 'boolean' }] as const;
    const { path = defaultPath, help } = parseArgs({ options: { path: str, help: bool } }).values;
    if (help) exit(usage, 0, console.log);
    const bytes = Buffer.byteLength(path);
    if (bytes < 1 || bytes > 107) throw new Error(`--path takes 1 to 107 bytes, not ${bytes}`);
    return { path, address: path.startsWith('@') ? `\0${path.slice(1)}` : path }; // @: abstract
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
    EADDRINUSE: `${path} is already in use — stop the other server or choose another --path`,
    ENOTSOCK: `${path} exists and is not a socket — it is left alone: choose another --path`,
    EACCES: `cannot create ${path}: no such folder, or not yours — choose another --path`,
    EPERM: `${path} belongs to another user — choose another --path`,
    ECONNRESET: 'the client reset the connection — it is gone',
    EPIPE: 'the client went away before the answer was sent',
  };
  const folder = err.code === 'ENOENT' || err.code === 'ENOTDIR'; // Node (libuv) says EACCES
  const code = folder ? 'EACCES' : (err.code ?? '');
  return exit(why[code] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  if (server?.listening) server.close(); // a crash while listening: delete the socket file too
  print(message);
  process.exit(code);
}
