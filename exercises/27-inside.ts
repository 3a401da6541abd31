// Exercise 27-inside, cut from scripts/27-http-server.ts: lesson 27. See exercises/README.md.
/**
 * @title HTTP server: files for a browser, from raw TCP
 * @mirrors 一.6 使用TCP的应用: Web浏览器 (beyond the tutorial)
 * @pair 28-http-client.ts
 * @run npx tsx scripts/27-http-server.ts --port 8000
 * @long HTTP/1.1 from bytes: a parser that survives any cut, seven error codes, a folder kept shut
 *
 * An HTTP/1.1 file server on node:net alone: it reads requests from the byte stream, answers GET
 * and HEAD with files from --dir, keeps connections alive, and never serves a file outside --dir.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { extname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const [MAX_LINE, MAX_HEAD] = [8192, 16384]; // bytes in the request line (414), in the head (431)
const { host, port, dir, timeout } = flags(8000);
process.on('uncaughtException', fail);
main().catch(fail);
type Request = { conn: Socket; from: string; line: string; keep: boolean }; // what reply() needs

async function main() {
  const root = await realpath(dir).catch(() => '');
  if (!root || !(await stat(root)).isDirectory()) exit(`--dir ${dir} is not a folder`, 1);
  const server = createServer({ allowHalfOpen: true }, (conn) => {
    // No Nagle (lesson 26): a file's bytes follow its head at once, not after the client's ACK.
    conn.setNoDelay(true).setTimeout(timeout * 1000, () => conn.destroy()); // silent: gone, or stuck
    serve(conn, root).catch(() => conn.destroy()); // a reset: no one to answer
  });
  await once(server.listen(port, host), 'listening'); // socket() + bind() + listen()
  const { address, port: bound } = server.address() as AddressInfo;
  console.log(`listening on ${address.includes(':') ? `[${address}]` : address}:${bound}`);
}
// One connection: one request after another, however TCP cut or glued the bytes (lesson 14).
async function serve(conn: Socket, root: string) {
  const from = `${conn.remoteAddress}:${conn.remotePort}`; // now: a reset takes it with the socket
  const r: Request = { conn, from, line: '', keep: true }; // keep: the connection stays open
  let pending = Buffer.alloc(0); // bytes read that are not yet a whole request head
  for await (const chunk of conn) {
    if (!r.keep) continue; // closing: what comes now is read and dropped, until the FIN
    pending = Buffer.concat([pending, chunk]);
    while (r.keep) {
      const text = pending.toString('latin1'); // a character per byte: indexes count bytes
      const end = /\r?\n\r?\n/.exec(text); // the blank line that ends a head; none: read more
      const lineEnd = text.indexOf('\n');
      r.line = text.slice(0, lineEnd === -1 ? 100 : lineEnd).replace(/\r$/, '');
      if ((lineEnd === -1 ? text.length : lineEnd) > MAX_LINE) reply(r, 414);
      else if ((end?.index ?? text.length) > MAX_HEAD) reply(r, 431);
      else if (!end) break;
      else await respond(r, root, text.slice(0, end.index));
      pending = pending.subarray(end ? end.index + end[0].length : pending.length); // the rest
    }
    if (!r.keep) conn.end(); // FIN, after the last answer
  }
  conn.end(); // the client closed its side (FIN): so do we
}
/** Answer one request, given its head: the request line and the header lines. */
async function respond(r: Request, root: string, head: string) {
  const headers = new Map<string, string>(); // names are case-insensitive: kept in lower case
  for (const field of head.split(/\r?\n/).slice(1)) {
    const [, name = '', value = ''] = /^([\w!#$%&'*+.^`|~-]+):[ \t]*(.*?)[ \t]*$/.exec(field) ?? [];
    const single = ['host', 'content-length', 'transfer-encoding'].includes(name.toLowerCase());
    if (!name || (single && headers.has(name.toLowerCase()))) return reply(r, 400);
    headers.set(name.toLowerCase(), value);
  }
  const [, method, target = '', minor] = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(r.line) ?? [];
  if (!method || (minor === '1' && !headers.has('host'))) return reply(r, 400);
  const body = headers.has('transfer-encoding') || (headers.get('content-length') ?? '0') !== '0';
  const asked = headers.get('connection')?.toLowerCase() ?? ''; // 1.1: open unless "close"
  r.keep = !body && (minor === '1' ? !asked.includes('close') : asked.includes('keep-alive'));
  if (method !== 'GET' && method !== 'HEAD') return reply(r, 405);
  if (body) return reply(r, 413);
  let path = ''; // the target without its query, percent-decoded: bytes, read as UTF-8
  try {
    path = decodeURIComponent(Buffer.from(target, 'latin1').toString().replace(/\?.*/, ''));
  } catch {} // a bad %-escape: the check below fails
  if (!path.startsWith('/') || path.includes('\0')) return reply(r, 400);
  // -- exercise 27-inside --
  // TODO (exercise 27-inside): find the file asked for, and never one outside --dir
  // Set `file` to the real path of `path` under `root` (symlinks followed; a folder: its
  // index.html) and `info` to its stat(), or leave `info` undefined when there is no such file or
  // it is outside `root`.
  // A hint: npm run exercises -- hint 27-inside. Done? npm run exercises -- check 27-inside
  // -- end of exercise 27-inside --
  if (!info?.isFile()) return reply(r, 404); // missing, outside --dir, a socket, a device
  const data = await readFile(file).catch(() => undefined); // all of it: see the lesson
  if (!data) return reply(r, 403); // open() refused (permissions)
  reply(r, 200, TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', data);
}
/** The status line, the headers and the body (a file, or the error's name), in one write. */
function reply(r: Request, status: number, type = 'text/plain', data?: Buffer) {
  if (status === 400 || status > 405) r.keep = false; // the stream is lost: close after this
  const body = data ?? Buffer.from(`${status} ${REASONS[status]}\n`); // an error says what
  const length = body.length; // in bytes, not characters: a Buffer counts bytes
  const charset = /^text\/|\+xml$/.test(type) ? '; charset=utf-8' : '';
  const allow = status === 405 ? 'Allow: GET, HEAD\r\n' : '';
  const head = Buffer.from(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\nDate: ${new Date().toUTCString()}\r\n` +
      `Content-Type: ${type}${charset}\r\nContent-Length: ${length}\r\n${allow}` +
      `Connection: ${r.keep ? 'keep-alive' : 'close'}\r\n\r\n`,
  );
  r.conn.write(r.line.startsWith('HEAD ') ? head : Buffer.concat([head, body])); // send()
  const shown = `${Buffer.from(r.line.slice(0, 100), 'latin1')}`.replace(/\p{Cc}/gu, '?'); // UTF-8
  console.log(`${r.from} "${shown}" ${status} ${length}`);
}
const TYPES: Record<string, string> = {
  ...{ '.html': 'text/html', '.css': 'text/css', '.js': 'text/javascript' },
  ...{ '.txt': 'text/plain', '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg' },
};
const REASONS: Record<number, string> = {
  ...{ 200: 'OK', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' },
  ...{ 405: 'Method Not Allowed', 413: 'Content Too Large', 414: 'URI Too Long' },
  431: 'Request Header Fields Too Large',
};
// ---- plumbing: flags, errors ----------------------------------------------------------------
function flags(defaultPort: number) {
  const [{ deno, bun }, tsx] = [process.versions, process.execArgv.some((a) => a.includes('tsx'))];
  const run = deno ? 'deno run -A' : bun ? 'bun' : tsx ? 'npx tsx' : 'node';
  const usage = `usage: ${run} ${relative('.', process.argv[1] ?? '')} [--host 127.0.0.1] [--port ${defaultPort}] [--dir FOLDER] [--timeout 10]`;
  try {
    const [str, bool] = [{ type: 'string' }, { type: 'boolean' }] as const;
    const options = { host: str, port: str, dir: str, timeout: str, help: bool };
    const { values: v } = parseArgs({ options });
    const { host = '127.0.0.1', port = `${defaultPort}`, timeout = '10' } = v;
    if (v.help) exit(usage, 0, console.log);
    if (!/^\d{1,5}$/.test(port) || +port > 65535)
      throw new Error(`--port takes a number from 0 to 65535, not '${port}'`);
    if (!(+timeout > 0)) throw new Error(`--timeout takes seconds, not '${timeout}'`);
    if (host === '0.0.0.0' || host === '::')
      console.error(`warning: ${host} means every interface: other machines can connect`);
    const kit = [join(process.argv[1] ?? '.', '../../lessons/img'), 'lessons/img']; // else: '.'
    const dir = v.dir ?? [...kit, '.'].find((d) => existsSync(d)) ?? '.';
    return { host, port: +port, dir, timeout: +timeout };
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}
function fail(err: NodeJS.ErrnoException): never {
  const why: Record<string, string> = {
    EADDRINUSE: `${host}:${port} is already in use — stop the other server or choose another --port`,
    EADDRNOTAVAIL: `${host} is not an address of this machine — try --host 127.0.0.1`,
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
  };
  const code = err.code === 'EINVAL' ? 'EADDRNOTAVAIL' : (err.code ?? ''); // EINVAL: Deno's word
  return exit(why[code] ?? `error: ${err.message}`, 1);
}
function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
