// Exercise 05-bytes, cut from scripts/05-tcp-reuseaddr-server.ts: lesson 05. See exercises/README.md.
/**
 * @title TCP server: restart at once (SO_REUSEADDR)
 * @mirrors 二.1 ③ server
 * @pair 02-tcp-client.ts
 * @run npx tsx scripts/05-tcp-reuseaddr-server.ts --port 8898
 *
 * Takes one client, prints its first message as Python prints bytes, answers `hi` and closes
 * first. Node sets SO_REUSEADDR on every TCP listener, so a restart right away still binds.
 */
import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

const { host, port } = flags(8898);
process.on('uncaughtException', fail);
main().catch(fail);

async function main() {
  // sk.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1): nothing to write, libuv sets it before bind().
  const server = createServer().listen(port, host); // bind() + listen()
  await once(server, 'listening');
  const { address, port: bound } = server.address() as AddressInfo;
  console.log(`listening on ${address.includes(':') ? `[${address}]` : address}:${bound}`);

  const [conn] = (await once(server, 'connection')) as [Socket]; // accept()
  server.close(); // sk.close(): one client only
  conn.on('error', fail);

  await once(conn, 'readable'); // recv(1024) waits for the first bytes, or for the end...
  const ret: Buffer | null = conn.read(Math.min(1024, conn.readableLength)); // ...takes ≤ 1024
  if (ret === null) {
    console.log('(the client closed the connection)');
  } else {
    console.log(pyBytes(ret)); // print(ret) shows b'...'
    conn.write('hi'); // send(b'hi')
  }
  conn.destroySoon(); // close(): FIN once 'hi' is out; this side will sit in TIME_WAIT
}

// ---- plumbing: Python's bytes repr, flags, errors ---------------------------------------------

/** What Python's print(b) shows for bytes: b'...', escaping quotes, \\, \t \n \r and non-ASCII. */
function pyBytes(bytes: Buffer) {
  // -- exercise 05-bytes --
  // TODO (exercise 05-bytes): print bytes as Python's print(b) shows them: b'hello'
  // Return the text Python prints for `bytes`: b'…' around the bytes, printable ASCII as it is,
  // `\t` `\n` `\r` and `\\` escaped, any other byte as `\xhh` (two hex digits); single quotes, unless
  // the bytes hold a ' and no ", then double quotes (and the quote used is escaped inside).
  // A hint: npm run exercises -- hint 05-bytes. Done? npm run exercises -- check 05-bytes
  // -- end of exercise 05-bytes --
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

function fail(err: NodeJS.ErrnoException): never {
  const why: Record<string, string> = {
    EADDRINUSE: `${host}:${port} is already in use — stop the other server or choose another --port`,
    EADDRNOTAVAIL: `${host} is not an address of this machine — try --host 127.0.0.1`,
    EACCES: `no permission to listen on ${host}:${port} — use a port above 1023`,
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
    ECONNRESET: 'the client reset the connection — it is gone',
    EPIPE: 'the client went away before the answer was sent',
  };
  const code = err.code === 'EINVAL' ? 'EADDRNOTAVAIL' : (err.code ?? ''); // EINVAL: Deno's word
  return exit(why[code] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
