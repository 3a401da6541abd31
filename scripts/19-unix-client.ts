/**
 * @title UNIX socket client: the other half, through a file
 * @mirrors 一.5 ① AF_UNIX (beyond the tutorial)
 * @pair 18-unix-server.ts
 * @run npx tsx scripts/19-unix-client.ts --path /tmp/chat.sock
 *
 * Lesson 02's client, connecting to a socket file instead of an address and a port. Then it
 * takes turns with the server: send a typed line, print the answer. Either side ends with `bye`.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { path, address } = flags(join(tmpdir(), `sockets-kit-${process.getuid?.() ?? 'user'}.sock`));
process.on('uncaughtException', fail);
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator]();
main().catch(fail);

async function main() {
  // socket(AF_UNIX) + connect(path): no handshake, no packets; the kernel joins the two ends.
  const sk = connect(address).on('error', fail); // no server, no permission: one line, exit 1
  await once(sk, 'connect');
  sk.setEncoding('utf8'); // .decode('utf-8'), safe for a character split across two reads

  const received = sk[Symbol.asyncIterator]();
  let next = received.next(); // recv(1024), already listening: see input()
  while (true) {
    const info = await input('请输入:\n>>>', next);
    if (info === undefined) break; // end of input, or the server left: hang up cleanly
    if (!info) continue; // send(b'') sends nothing and the answer would never come: ask again
    sk.write(info); // send()
    const { value: res, done } = await next; // recv(1024): wait for the answer
    if (done) {
      console.log('(the server closed the connection)');
      break;
    }
    if (res === 'bye') break;
    console.log(res);
    next = received.next();
  }
  sk.destroySoon(); // close(): FIN once anything still queued is out, then let go of it
  keyboard.close();
}

// ---- plumbing: flags, typed input, errors ----------------------------------------------------

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
  if (typed === 'hung up') console.log('\n(the server closed the connection)');
  else if (typed.done) process.stdout.write('\n');
  return typed === 'hung up' || typed.done ? undefined : typed.value;
}

function fail(err: NodeJS.ErrnoException): never {
  const why: Record<string, string> = {
    ENOENT: `nothing is listening on ${path} — start 18-unix-server.ts first`,
    ECONNREFUSED: `nothing is listening on ${path} — start 18-unix-server.ts first`,
    EACCES: `no permission to connect to ${path} — only its owner may (ls -l shows its mode)`,
    ECONNRESET: 'the server reset the connection — it is gone',
    EPIPE: 'the server went away before the message was sent',
  };
  return exit(why[err.code ?? ''] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
