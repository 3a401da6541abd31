/**
 * @title Sticky packets: two quick little sends
 * @mirrors 三 黏包, case 1 client
 * @pair 14-sticky-merge-server.ts
 * @run npx tsx scripts/15-sticky-merge-client.ts --port 8080
 *
 * Connects, sends `hello` and then `feng` right after it, and leaves. Its server may well read
 * them as one piece: TCP keeps the bytes in order but not the boundaries between the sends.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

const { host, port } = flags(8080);
process.on('uncaughtException', fail);
main().catch(fail);

async function main() {
  // socket() + connect(): one call in Node; 'connect' says the handshake is done.
  const sk = connect(port, host).on('error', fail);
  await once(sk, 'connect');
  sk.write(Buffer.from('hello', 'utf8')); // send(): five bytes...
  sk.write(Buffer.from('feng', 'utf8')); // send(): ...and four more, straight after
  sk.destroySoon(); // the listing just exits, closing the socket: FIN after the bytes, then let go
}

// ---- plumbing: flags, errors ------------------------------------------------------------------

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

function fail(err: NodeJS.ErrnoException): never {
  const why: Record<string, string> = {
    ECONNREFUSED: `nothing is listening on ${host}:${port} — start 14-sticky-merge-server.ts first`,
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
