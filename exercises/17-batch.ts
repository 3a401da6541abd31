// Exercise 17-batch, cut from scripts/17-framed-client.ts: lesson 17. See exercises/README.md.
/**
 * @title Framed messages: the client
 * @mirrors 三 黏包, the cure (beyond the tutorial)
 * @pair 16-framed-server.ts
 * @run npx tsx scripts/17-framed-client.ts --port 8081
 * @long it needs its own copy of the frame decoder to read the answers, and has two extra modes
 *
 * The chat client of lesson 02, speaking in frames. `--replay` first sends `hello` and `feng`
 * back to back, as lesson 15 does; `--batch` sends every input line as a message, all at once.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const MAX_MESSAGE = 1024 * 1024; // the longest message accepted, as in 16-framed-server.ts
const { host, port, replay, batch } = flags(8081);
const keyboard = createInterface({ input: process.stdin });
const lines = keyboard[Symbol.asyncIterator](); // from the start: no line may be missed
process.on('uncaughtException', fail);
main().catch(fail);

async function main() {
  // socket() + connect(). A reset is reported at once; an AbortError is the decoder giving up.
  const sk = connect(port, host).on('error', (err) => err.name === 'AbortError' || fail(err));
  await once(sk, 'connect');
  const received = messages(sk);

  if (batch) {
    // --batch: each input line is a message, sent without waiting (for 16 --digest); then answers.
    // -- exercise 17-batch --
    // TODO (exercise 17-batch): --batch: send every line as a frame without waiting, then read every answer
    // Send each input line (`lines`) as a frame as fast as the socket takes them: when `write()`
    // returns false, wait for 'drain'. Then half-close (`end()`) and print every answer that comes.
    // A hint: npm run exercises -- hint 17-batch. Done? npm run exercises -- check 17-batch
    // -- end of exercise 17-batch --
    return;
  }
  // --replay: lesson 15's two sends, back to back, now as two frames; their answers come first.
  if (replay) for (const word of ['hello', 'feng']) sk.write(encode(word));
  let unanswered = replay ? 2 : 0;
  let next = received.next(); // one whole answer, however it was cut; already listening
  while (true) {
    if (unanswered > 0) unanswered -= 1;
    else {
      const info = await input('请输入:\n>>>', next);
      if (info === undefined) break; // end of input, or the server left: hang up cleanly
      sk.write(encode(info)); // an empty line is a message too: a frame of length 0
    }
    const { value, done } = await next;
    if (done) {
      console.log('(the server closed the connection)');
      break;
    }
    const res = value.toString('utf8');
    if (res === 'bye') break;
    console.log(res);
    next = received.next();
  }
  sk.destroySoon(); // close(): FIN once anything still queued is out, then let go of it
  keyboard.close();
}

/** One message as a frame: its byte length as a 4-byte big-endian unsigned number, then its bytes. */
function encode(message: string): Buffer {
  const [header, body] = [Buffer.alloc(4), Buffer.from(message, 'utf8')];
  const tooLong = `cannot send a ${body.length}-byte message: the limit is ${MAX_MESSAGE}`;
  if (body.length > MAX_MESSAGE) throw error('EMSGSIZE', tooLong);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}

/** The frame decoder, the same as in 16-framed-server.ts: read there how it works. */
async function* messages(chunks: AsyncIterable<Buffer> | Iterable<Buffer>) {
  const header = Buffer.alloc(4);
  let body: Buffer | undefined;
  let filled = 0;
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length; ) {
      const target = body ?? header;
      const copied = chunk.copy(target, filled, at);
      [at, filled] = [at + copied, filled + copied];
      if (filled < target.length) break;
      if (!body) {
        const size = header.readUInt32BE(0);
        if (size > MAX_MESSAGE)
          throw error('ETOOLONG', `a ${size}-byte message is over the ${MAX_MESSAGE}-byte limit`);
        [body, filled] = [Buffer.alloc(size), 0];
      }
      if (filled < body.length) continue;
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

function flags(defaultPort: number) {
  const [{ deno, bun }, tsx] = [process.versions, process.execArgv.some((a) => a.includes('tsx'))];
  const run = deno ? 'deno run -A' : bun ? 'bun' : tsx ? 'npx tsx' : 'node';
  const usage = `usage: ${run} ${relative('.', process.argv[1] ?? '')} [--host 127.0.0.1] [--port ${defaultPort}] [--replay | --batch]`;
  try {
    const [str, bool] = [{ type: 'string' }, { type: 'boolean' }] as const;
    const options = { host: str, port: str, replay: bool, batch: bool, help: bool };
    const { values } = parseArgs({ options });
    const { host = '127.0.0.1', port = `${defaultPort}`, replay, batch, help } = values;
    if (help) exit(usage, 0, console.log);
    if (!/^\d{1,5}$/.test(port) || +port > 65535)
      throw new Error(`--port takes a number from 0 to 65535, not '${port}'`);
    if (replay && batch) throw new Error('--replay and --batch do not go together');
    return { host, port: +port, replay, batch };
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}

/** input(): a typed line; undefined at the end of input or a hang-up; a reset or bad frame throws. */
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
    ECONNREFUSED: `nothing is listening on ${host}:${port} — start 16-framed-server.ts first`,
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
    ECONNRESET: 'the server reset the connection — it is gone',
    EPIPE: 'the server went away before the message was sent',
    ETOOLONG: `refused: ${err.message} — is the server speaking this framing?`,
    EMSGSIZE: `${err.message} — split it into shorter lines`,
    ETRUNCATED: `the server broke off: ${err.message} — that message is lost`,
  };
  return exit(why[err.code ?? ''] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
