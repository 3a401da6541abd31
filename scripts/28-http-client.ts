/**
 * @title HTTP client: a GET over a raw socket
 * @mirrors 一.6 使用TCP的应用: Web浏览器 (beyond the tutorial)
 * @pair 27-http-server.ts
 * @run npx tsx scripts/28-http-client.ts --port 8000 /26-tcp-vs-udp.svg
 * @long three ways a body can end (a length, chunks, the close), each read from a stream cut anyhow
 *
 * What a browser does first, by hand: it sends a GET, prints the status line and the headers as
 * they arrive, then reads the body the way the headers say and tells which way that was.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { connect } from 'node:net';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

const MAX_LINE = 65536; // bytes in a status or header line: a server sending more is not HTTP
const { host, port, path, out } = flags(8000);
process.on('uncaughtException', fail);
main().catch(fail);

async function main() {
  const file = out ? createWriteStream(out) : undefined; // --out: the body, saved
  if (file) await once(file, 'open'); // a file we cannot write: said before anything is asked
  const sk = connect(port, host); // socket() + connect()
  await once(sk, 'connect');
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  sk.write(`GET ${path} HTTP/1.1\r\nHost: ${authority}\r\nConnection: close\r\n\r\n`);
  const { line, bytes } = reader(sk);
  const status = await line('the status line'); // HTTP/1.1 200 OK
  if (!/^HTTP\/1\.[01] \d{3}( |$)/.test(status)) throw error('EPROTO', status);
  console.log(status);
  const headers = new Map<string, string>();
  for (let field = await line('a header'); field !== ''; field = await line('a header')) {
    console.log(field); // each header as it arrives; a blank line ends them
    const at = field.indexOf(':');
    headers.set(field.slice(0, at).trim().toLowerCase(), field.slice(at + 1).trim());
  }
  console.log();
  let [size, chunks] = [0, 0];
  const take = async (n: number) => {
    for await (const piece of bytes(n)) {
      size += piece.length;
      if (file && !file.write(piece)) await once(file, 'drain'); // the disk is slower: wait
    }
  };
  const hex = async () => {
    const size = await line('a chunk size'); // in hex, maybe with ;extensions after it
    if (!/^[\da-f]+(;|$)/i.test(size)) throw error('EPROTO', `a chunk size of '${size}'`);
    return Number.parseInt(size, 16);
  };
  const code = Number(status.split(' ')[1]);
  const length = headers.get('content-length');
  let how: string;
  if (code === 204 || code === 304) how = `as a ${code} has none`;
  else if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) {
    // Chunked: a length in hex on a line, the bytes, CRLF; again, until a length of 0.
    // -- exercise 28-chunked --
    for (let n = await hex(); n > 0; n = await hex()) {
      await take(n);
      chunks++;
      if ((await line('a chunk')) !== '') throw error('EPROTO', 'a chunk longer than its size');
    }
    while ((await line('the trailer')) !== ''); // trailer fields, then a blank line
    // -- end of exercise 28-chunked --
    how = `in ${chunks} chunks (Transfer-Encoding: chunked)`;
  } else if (length !== undefined) {
    if (!/^\d+$/.test(length)) throw error('EPROTO', `Content-Length: ${length}`);
    await take(Number(length));
    how = `as its Content-Length said`;
  } else {
    await take(Number.POSITIVE_INFINITY); // neither: the body is all that comes before the FIN
    how = 'until the server closed the connection (no Content-Length, not chunked)';
  }
  console.log(`body: ${size} bytes, ${how}${out ? `, saved to ${out}` : ''}`);
  sk.destroy(); // close(): we asked for Connection: close, and have all we wanted
  file?.end();
}

/** A stream read as HTTP/1.1 is: lines up to LF, then bytes by count, however TCP cut them. */
function reader(sk: AsyncIterable<Buffer>) {
  const chunks = sk[Symbol.asyncIterator]();
  let rest: Buffer = Buffer.alloc(0); // bytes read from the socket and not yet taken
  const more = async () => {
    const { value, done } = await chunks.next(); // recv(): whatever has arrived, or the end
    if (!done) rest = rest.length ? Buffer.concat([rest, value]) : value;
    return !done;
  };
  async function line(what: string) {
    for (let end = rest.indexOf(10); ; end = rest.indexOf(10)) {
      if (end === -1 && rest.length > MAX_LINE) throw error('EPROTO', `${what} over 64 KiB`);
      if (end === -1 && !(await more())) throw error('ETRUNCATED', `in the middle of ${what}`);
      if (end === -1) continue;
      const text = rest.subarray(0, end).toString('latin1').replace(/\r$/, ''); // CRLF or LF
      rest = rest.subarray(end + 1);
      return text;
    }
  }
  /** n bytes, in the pieces they came in; Infinity: every byte until the server closes. */
  async function* bytes(n: number) {
    while (n > 0) {
      if (!rest.length && !(await more())) {
        if (n === Number.POSITIVE_INFINITY) return;
        throw error('ETRUNCATED', `with ${n} promised bytes still to come`);
      }
      const piece = rest.subarray(0, n);
      [rest, n] = [rest.subarray(piece.length), n - piece.length];
      yield piece;
    }
  }
  return { line, bytes };
}
function error(code: string, message: string) {
  return Object.assign(new Error(message), { code });
}

// ---- plumbing: flags, errors ----------------------------------------------------------------
function flags(defaultPort: number) {
  const [{ deno, bun }, tsx] = [process.versions, process.execArgv.some((a) => a.includes('tsx'))];
  const run = deno ? 'deno run -A' : bun ? 'bun' : tsx ? 'npx tsx' : 'node';
  const usage = `usage: ${run} ${relative('.', process.argv[1] ?? '')} [--host 127.0.0.1] [--port ${defaultPort}] [--out FILE] [PATH, default /]`;
  try {
    const [str, bool] = [{ type: 'string' }, { type: 'boolean' }] as const;
    const options = { host: str, port: str, out: str, help: bool };
    const { values: v, positionals } = parseArgs({ options, allowPositionals: true });
    const { host = '127.0.0.1', port = `${defaultPort}`, out } = v;
    if (v.help) exit(usage, 0, console.log);
    if (!/^\d{1,5}$/.test(port) || +port > 65535)
      throw new Error(`--port takes a number from 0 to 65535, not '${port}'`);
    const [wanted = '/', ...more] = positionals; // 中文 and spaces: percent-encoded, as UTF-8
    const path = wanted.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
    if (more.length || !path.startsWith('/'))
      throw new Error(`give one path that starts with /, not '${positionals.join(' ')}'`);
    return { host, port: +port, path, out };
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}
function fail(err: NodeJS.ErrnoException): never {
  const why: Record<string, string> = {
    ECONNREFUSED: `nothing is listening on ${host}:${port} — start 27-http-server.ts first`,
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
    ECONNRESET: 'the server reset the connection — it is gone',
    EPROTO: `not HTTP/1.x: '${err.message.slice(0, 80)}' — is that port an HTTP server?`,
    ETRUNCATED: `the server closed the connection ${err.message} — the answer is cut short`,
  };
  return exit(why[err.code ?? ''] ?? `error: ${err.message}`, 1);
}
function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
