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
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { host, port } = flags(8088);
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator]();
process.on('uncaughtException', fail);
main().catch(fail);

async function main() {
  // socket() + connect(): this succeeds even while the server is busy with another client.
  const sk = connect(port, host).on('error', fail); // refused, reset: one line, exit 1
  await once(sk, 'connect');
  sk.setEncoding('utf8'); // .decode('utf-8'), safe for a character split across two reads

  const received = sk[Symbol.asyncIterator]();
  const answer = received.next(); // recv(1024), already listening: see input()
  let info = await input('请输入>>>', answer);
  while (info === '') info = await input('请输入>>>', answer); // send(b'') sends nothing
  if (info !== undefined) {
    // -- exercise 07-waited --
    const sent = performance.now(); // the clock starts as the line goes out
    answer.then(
      (r) => r.done || console.log(`waited ${Math.round(performance.now() - sent)} ms`),
      () => {}, // a reset: fail() has said so
    );
    // -- end of exercise 07-waited --
    sk.write(info); // send(): `bye` too, which tells the server to stop
    if (info !== 'bye') {
      // recv(1024): the answer, when our turn comes; then the server hangs up to serve the next
      for (let res = await answer; !res.done; res = await received.next()) console.log(res.value);
      console.log('(the server closed the connection)');
    }
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
    ECONNREFUSED: `nothing is listening on ${host}:${port} — start 06-tcp-multi-server.ts first`,
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
