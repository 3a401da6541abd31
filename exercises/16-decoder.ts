// Exercise 16-decoder, cut from scripts/16-framed-server.ts: lesson 16. See exercises/README.md.
/**
 * @title Framed messages: the cure for sticky packets
 * @mirrors 三 黏包, the cure (beyond the tutorial)
 * @pair 17-framed-client.ts
 * @run npx tsx scripts/16-framed-server.ts --port 8081
 * @long the frame decoder lives here (the tests import it), beside the chat and --digest
 *
 * The chat of lesson 01, but every message travels as a frame: its length in 4 bytes, then its
 * bytes. However TCP cuts or glues the stream, the reader gets back exactly the messages sent.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

export const MAX_MESSAGE = 1024 * 1024; // the longest message accepted (1 MiB): see lesson 16

// Python's `if __name__ == '__main__':`, true however the file is started (a copy, a symlink,
// another name). Only a test that imports the decoder sets the flag (see test/as-library.ts).
if (!(globalThis as { SOCKETS_KIT_IMPORT?: boolean }).SOCKETS_KIT_IMPORT) {
  const { host, port, digest } = flags(8081);
  process.on('uncaughtException', (err) => fail(err, host, port));
  main(host, port, digest).catch((err) => fail(err, host, port));
}

async function main(host: string, port: number, digest: boolean) {
  const server = createServer().listen(port, host); // socket() + bind() + listen()
  await once(server, 'listening');
  const { address, port: bound } = server.address() as AddressInfo;
  console.log(`listening on ${address.includes(':') ? `[${address}]` : address}:${bound}`);
  const [conn] = await once(server, 'connection'); // accept(): one client, as in lesson 01
  server.close();
  // A reset is reported at once. An AbortError is the decoder giving up: its reason comes next.
  conn.on('error', (err: Error) => err.name === 'AbortError' || fail(err, host, port));
  const received = messages(conn);
  if (digest) {
    // --digest: no chat; take every message until the client closes, then say what arrived.
    const [hash, got] = [createHash('sha256'), { count: 0, bytes: 0 }];
    for await (const message of received) {
      hash.update(message).update('\n'); // the digest of the messages as the lines of a file
      [got.count, got.bytes] = [got.count + 1, got.bytes + message.length];
    }
    console.log(`received ${got.count} messages, ${got.bytes} bytes, sha256 ${hash.digest('hex')}`);
    return void conn.end();
  }
  const keyboard = createInterface({ input: process.stdin });
  const lines = keyboard[Symbol.asyncIterator]();
  let next = received.next(); // one whole message, however it was cut
  while (true) {
    const { value, done } = await next;
    if (done) {
      console.log('(the client closed the connection)');
      break;
    }
    const res = value.toString('utf8'); // a complete message: no character can be cut in two
    if (res === 'bye') break;
    console.log(res);
    next = received.next(); // go on listening while we wait at the keyboard, as lesson 01 does:
    process.stdout.write('请输入:\n>>>'); // a hang-up ends the wait; a broken frame throws
    const hungUp = next.then((r) => (r.done ? 'hung up' : new Promise<never>(() => {})));
    const typed = await Promise.race([lines.next(), hungUp]);
    if (typed === 'hung up') console.log('\n(the client closed the connection)');
    else if (typed.done) process.stdout.write('\n');
    if (typed === 'hung up' || typed.done) break; // the client left, or end of input: hang up
    conn.write(encode(typed.value)); // an empty line is a message too: a frame of length 0
  }
  conn.destroySoon(); // close(): FIN once anything still queued is out, then let go of it
  keyboard.close();
}

/** One message as a frame: its byte length as a 4-byte big-endian unsigned number, then its bytes. */
export function encode(message: string | Buffer): Buffer {
  const [header, body] = [Buffer.alloc(4), Buffer.from(message)];
  header.writeUInt32BE(body.length); // Python: struct.pack('>I', len(body))
  return Buffer.concat([header, body]);
}

/** The frame decoder: the messages in a stream of bytes (a socket, any chunks), however cut. */
export async function* messages(chunks: AsyncIterable<Buffer> | Iterable<Buffer>) {
  // -- exercise 16-decoder --
  // TODO (exercise 16-decoder): the length decoder: whole messages from a stream of bytes, however it is cut
  // Yield every message in `chunks`: each is a 4-byte big-endian length, then that many bytes.
  // A chunk may hold part of a header, several frames, or a frame split anywhere. Refuse a length
  // over MAX_MESSAGE (ETOOLONG) at once, and fail (ETRUNCATED) if the stream ends inside a frame.
  // A hint: npm run exercises -- hint 16-decoder. Done? npm run exercises -- check 16-decoder
  // -- end of exercise 16-decoder --
}

function error(code: string, message: string) {
  return Object.assign(new Error(message), { code });
}

// ---- plumbing: flags, errors ------------------------------------------------------------------

function flags(defaultPort: number) {
  const [{ deno, bun }, tsx] = [process.versions, process.execArgv.some((a) => a.includes('tsx'))];
  const run = deno ? 'deno run -A' : bun ? 'bun' : tsx ? 'npx tsx' : 'node';
  const usage = `usage: ${run} ${relative('.', process.argv[1] ?? '')} [--host 127.0.0.1] [--port ${defaultPort}] [--digest]`;
  try {
    const [str, bool] = [{ type: 'string' }, { type: 'boolean' }] as const;
    const { values } = parseArgs({ options: { host: str, port: str, digest: bool, help: bool } });
    const { host = '127.0.0.1', port = `${defaultPort}`, digest = false, help } = values;
    if (help) exit(usage, 0, console.log);
    if (!/^\d{1,5}$/.test(port) || +port > 65535)
      throw new Error(`--port takes a number from 0 to 65535, not '${port}'`);
    if (host === '0.0.0.0' || host === '::')
      console.error(`warning: ${host} means every interface: other machines can connect`);
    return { host, port: +port, digest };
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}

function fail(err: NodeJS.ErrnoException, host: string, port: number): never {
  const why: Record<string, string> = {
    EADDRINUSE: `${host}:${port} is already in use — stop the other server or choose another --port`,
    EADDRNOTAVAIL: `${host} is not an address of this machine — try --host 127.0.0.1`,
    EACCES: `no permission to listen on ${host}:${port} — use a port above 1023`,
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
    ECONNRESET: 'the client reset the connection — it is gone',
    ETOOLONG: `refused: ${err.message} — is the client speaking this framing?`,
    ETRUNCATED: `the client broke off: ${err.message} — that message is lost`,
  };
  const code = err.code === 'EINVAL' ? 'EADDRNOTAVAIL' : (err.code ?? ''); // EINVAL: Deno's word
  return exit(why[code] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
