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
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { host, port } = flags(8088);
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator]();
process.on('uncaughtException', fail);
main().catch(fail);

async function main() {
  // socket() + connect(): Node does both in one call; 'connect' says the handshake is done.
  const sk = connect(port, host).on('error', fail); // refused, reset: one line, exit 1
  await once(sk, 'connect');
  sk.setEncoding('utf8'); // .decode('utf-8'), safe for a character split across two reads

  const received = sk[Symbol.asyncIterator]();
  let next = received.next(); // recv(1024), already listening: see input()
  while (true) {
    const info = await input('请输入:\n>>>', next);
    if (info === undefined) break; // end of input, or the server left: hang up cleanly
    if (!info) continue; // send(b'') sends nothing and the answer would never come: ask again
    // -- exercise 02-turn --
    sk.write(info); // send()
    const { value: res, done } = await next; // recv(1024): wait for the answer
    if (done) {
      console.log('(the server closed the connection)');
      break;
    }
    if (res === 'bye') break;
    console.log(res);
    next = received.next();
    // -- end of exercise 02-turn --
  }
  sk.destroySoon(); // close(): FIN once anything still queued is out, then let go of it
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
  if (typed === 'hung up') console.log('\n(the server closed the connection)');
  else if (typed.done) process.stdout.write('\n');
  return typed === 'hung up' || typed.done ? undefined : typed.value;
}

function fail(err: NodeJS.ErrnoException): never {
  const why: Record<string, string> = {
    ECONNREFUSED: `nothing is listening on ${host}:${port} — start 01-tcp-server.ts first`,
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
