/**
 * @title Sticky packets: one send, ten bytes
 * @mirrors 三 黏包, case 2 client
 * @pair 12-sticky-recv-partial-server.ts
 * @run npx tsx scripts/13-sticky-recv-partial-client.ts --port 8080
 *
 * Connects, sends `hello feng` in one go and leaves. Its server reads the ten bytes in two pieces.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';

const { host, port } = flags('13-sticky-recv-partial-client.ts', 8080);
process.on('uncaughtException', fail);

// socket() + connect(): one call in Node; 'connect' says the handshake is done.
const sk = connect(port, host).on('error', fail);
await once(sk, 'connect');
sk.write(Buffer.from('hello feng', 'utf8')); // send(): ten bytes in one call
sk.end(); // the listing just exits, which closes the socket; end() sends FIN after the bytes

// ---- plumbing: flags, errors ------------------------------------------------------------------

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

function fail(err: NodeJS.ErrnoException): never {
  const at = `${host}:${port}`;
  const why: Record<string, string> = {
    ECONNREFUSED: `nothing is listening on ${at} — start 12-sticky-recv-partial-server.ts first`,
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
