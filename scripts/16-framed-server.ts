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
import { realpathSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const MAX_MESSAGE = 1024 * 1024; // the longest message accepted (1 MiB): see lesson 16

// Run only as a program: importing the file (the tests do, for the decoder) starts nothing.
if (import.meta.url === pathToFileURL(realpathSync(process.argv[1] ?? '.')).href) await serve();

async function serve() {
  const { host, port, digest } = flags('16-framed-server.ts', 8081);
  process.on('uncaughtException', (err) => fail(err, host, port));
  const server = createServer().listen(port, host); // socket() + bind() + listen()
  await once(server, 'listening');
  const { address, port: bound } = server.address() as AddressInfo;
  console.log(`listening on ${address.includes(':') ? `[${address}]` : address}:${bound}`);
  const [conn] = await once(server, 'connection'); // accept(): one client, as in lesson 01
  server.close();
  conn.on('error', (err: Error) => fail(err, host, port));
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
  while (true) {
    const { value, done } = await received.next(); // one whole message, however it was cut
    if (done) {
      console.log('(the client closed the connection)');
      break;
    }
    const res = value.toString('utf8'); // a complete message: no character can be cut in two
    if (res === 'bye') break;
    console.log(res);
    process.stdout.write('请输入:\n>>>');
    const { value: info, done: end } = await lines.next();
    if (end) break; // end of input: hang up cleanly
    conn.write(encode(info)); // an empty line is a message too: a frame of length 0
  }
  conn.end();
  keyboard.close();
}

/** One message as a frame: its byte length as a 4-byte big-endian unsigned number, then its bytes. */
export function encode(message: string | Buffer): Buffer {
  const body = Buffer.from(message);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length); // Python: struct.pack('>I', len(body))
  return Buffer.concat([header, body]);
}

/**
 * The frame decoder: the messages in a stream of bytes cut into pieces of any size (a socket, or
 * any list of chunks). Each byte is copied once, so the work grows with the bytes however finely
 * they are cut. A header over MAX_MESSAGE is refused before anything is allocated; a stream that stops
 * inside a frame is an error, not a silent loss.
 */
export async function* messages(chunks: AsyncIterable<Buffer> | Iterable<Buffer>) {
  const header = Buffer.alloc(4);
  let body: Buffer | undefined; // the message being filled, once its header is complete
  let filled = 0; // how much of the header, or of the body, has arrived
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length; ) {
      const target = body ?? header;
      const copied = chunk.copy(target, filled, at); // as much as fits, as much as there is
      [at, filled] = [at + copied, filled + copied];
      if (filled < target.length) break; // this chunk is used up: on to the next one
      if (!body) {
        const size = header.readUInt32BE(0);
        if (size > MAX_MESSAGE)
          throw error('ETOOLONG', `a ${size}-byte message is over the ${MAX_MESSAGE}-byte limit`);
        [body, filled] = [Buffer.alloc(size), 0];
      }
      if (filled < body.length) continue; // the body is still to come
      yield body;
      [body, filled] = [undefined, 0];
    }
  }
  if (body || filled > 0) {
    const what = body ? `message: ${filled} of its ${body.length}` : `header: ${filled} of its 4`;
    throw error('ETRUNCATED', `the stream ended inside a ${what} bytes`);
  }
}

function error(code: string, message: string) {
  return Object.assign(new Error(message), { code });
}

// ---- plumbing: flags, errors ------------------------------------------------------------------

function flags(name: string, defaultPort: number) {
  const usage = `usage: npx tsx scripts/${name} [--host 127.0.0.1] [--port ${defaultPort}] [--digest]`;
  try {
    const [text, flag] = [{ type: 'string' }, { type: 'boolean' }] as const;
    const { values } = parseArgs({ options: { host: text, port: text, digest: flag, help: flag } });
    if (values.help) exit(usage, 0, console.log);
    const port = values.port ?? String(defaultPort);
    if (!/^\d+$/.test(port) || Number(port) > 65535)
      throw new Error(`--port takes a number from 0 to 65535, not '${port}'`);
    const host = values.host ?? '127.0.0.1';
    if (host === '0.0.0.0' || host === '::')
      console.error(`warning: ${host} means every interface: other machines can connect`);
    return { host, port: Number(port), digest: values.digest ?? false };
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}

function fail(err: NodeJS.ErrnoException, host: string, port: number): never {
  const at = `${host}:${port}`;
  const why: Record<string, string> = {
    EADDRINUSE: `${at} is already in use — stop the other server or choose another --port`,
    EADDRNOTAVAIL: `${host} is not an address of this machine — try --host 127.0.0.1`,
    EACCES: `no permission to listen on ${at} — use a port above 1023`,
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
    ECONNRESET: 'the client reset the connection — it is gone',
    EPIPE: 'the client went away before the answer was sent',
    ETOOLONG: `refused: ${err.message} — is the client speaking this framing?`,
    ETRUNCATED: `the client broke off: ${err.message} — that message is lost`,
  };
  return exit(why[err.code ?? ''] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
