/**
 * @title Sticky packets: a read that takes less than was sent
 * @mirrors 三 黏包, case 2 server
 * @pair 13-sticky-recv-partial-client.ts
 * @run npx tsx scripts/12-sticky-recv-partial-server.ts --port 8080
 *
 * Reads at most 2 bytes from one client, then at most 10: what the first read leaves behind waits
 * in the buffer and comes out first in the next one, so one send arrives as two pieces.
 */
import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { relative } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';

const { host, port } = flags(8080);
process.on('uncaughtException', fail);
main().catch(fail);

async function main() {
  // socket() + bind() + listen(5): one call in Node; 'listening' says the port is ours.
  const server = createServer().listen({ port, host, backlog: 5 });
  await once(server, 'listening');
  const { address, port: bound } = server.address() as AddressInfo;
  console.log(`listening on ${address.includes(':') ? `[${address}]` : address}:${bound}`);

  // accept(): one client, and no more (the listing never accepts again).
  const [conn] = await once(server, 'connection');
  server.close();
  conn.on('error', fail);

  const data1 = await recv(conn, 2); // recv(2): not all of it...
  const data2 = await recv(conn, 10); // recv(10): ...so the rest comes out first here
  const text = new StringDecoder('utf8'); // .decode('utf-8'), never cutting a character in two
  console.log('----->', text.write(data1));
  console.log('----->', text.write(data2));
  conn.destroy(); // close()
}

/** Python's recv(n): up to n of the bytes already here; waits only if none are; b'' at the end. */
async function recv(sock: Socket, n: number): Promise<Buffer> {
  // -- exercise 12-recv --
  while (sock.readableLength === 0 && !sock.readableEnded) {
    sock.read(0); // nothing buffered: ask to be told of new bytes ('readable') or of the end
    await Promise.race([once(sock, 'readable'), once(sock, 'end')]);
  }
  // read(size) gives null unless size bytes are buffered, so never ask for more than there are.
  return sock.read(Math.min(n, sock.readableLength)) ?? Buffer.alloc(0);
  // -- end of exercise 12-recv --
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
  };
  const code = err.code === 'EINVAL' ? 'EADDRNOTAVAIL' : (err.code ?? ''); // EINVAL: Deno's word
  return exit(why[code] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
