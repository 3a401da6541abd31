/**
 * Lessons 27 and 28: HTTP/1.1 on raw sockets, with clients and servers no one here wrote: curl
 * (Debian's, /usr/bin/curl), Python's http.client and Python's http.server (test/fixtures/).
 *
 * One 27 serves most tests (a folder made here, with a file outside it and symlinks in and out),
 * so that the file starts few processes; each test opens connections of its own to it.
 */
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import {
  client,
  dial,
  type Owner,
  output,
  pause,
  program,
  root,
  type Server,
  server,
  tcpSockets,
  tempFolder,
  until,
  waitFor,
  write,
} from './harness.ts';
import { checkTranscript } from './transcript.ts';

const SERVER = '27-http-server.ts';
const CLIENT = '28-http-client.ts';
const CHINESE = '你好, 世界: HTTP counts bytes\n'; // 26 characters, 34 bytes in UTF-8
const SECRET = 'the secret outside --dir';

// ---- the folder served, and the one 27 that serves it --------------------------------------

const top = mkdtempSync(join(tmpdir(), 'sockets-kit-http-'));
const www = join(top, 'www');
mkdirSync(join(www, 'sub'), { recursive: true });
mkdirSync(join(www, 'leak'));
writeFileSync(join(top, 'secret.txt'), SECRET);
writeFileSync(join(www, 'a.txt'), 'plain text\n');
writeFileSync(join(www, 'big.bin'), Buffer.alloc(1 << 20, 'x')); // 1 MiB: more than one write
writeFileSync(join(www, '中文.txt'), CHINESE);
writeFileSync(join(www, 'sub', 'index.html'), '<!doctype html><title>sub</title>\n');
writeFileSync(
  join(www, 'pic.svg'),
  '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n',
);
symlinkSync(join(www, 'a.txt'), join(www, 'inside.txt')); // a symlink within --dir: served
symlinkSync(join(top, 'secret.txt'), join(www, 'out.txt')); // out of it: never
symlinkSync(top, join(www, 'up')); // a folder out of it
symlinkSync(join(top, 'secret.txt'), join(www, 'leak', 'index.html')); // an index out of it
symlinkSync('/etc/passwd', join(www, 'passwd'));

const cleanups: (() => unknown)[] = [];
const file: Owner = { teardown: (fn) => void cleanups.push(fn) };
let shared: Promise<Server> | undefined;
const served = () => {
  shared ??= server(file, SERVER, { args: ['--dir', www] });
  return shared;
};
test.after.always(async () => {
  for (const fn of cleanups.reverse()) await fn();
  rmSync(top, { recursive: true, force: true });
});

// ---- raw HTTP, as the test sends and reads it ---------------------------------------------

interface Response {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
  head: string;
}

/** The responses in `bytes`, one after another; a HEAD's (by `heads`) have no body. */
function parse(bytes: Buffer, heads: boolean[] = []): Response[] {
  const found: Response[] = [];
  let rest = bytes;
  while (rest.length) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) throw new Error(`a response with no end of head: ${rest.toString('latin1')}`);
    const head = rest.subarray(0, end).toString('latin1');
    const [line = '', ...fields] = head.split('\r\n');
    const headers = new Map(
      fields.map((f) => [f.slice(0, f.indexOf(':')).toLowerCase(), f.slice(f.indexOf(':') + 2)]),
    );
    const length = heads[found.length] ? 0 : Number(headers.get('content-length'));
    if (rest.length < end + 4 + length) throw new Error('a body not all there yet');
    const body = rest.subarray(end + 4, end + 4 + length);
    found.push({ status: Number(line.split(' ')[1]), headers, body, head });
    rest = rest.subarray(end + 4 + length);
  }
  return found;
}

/** Connect, send each piece (with a pause after each if `gap`), and read until the server closes
 * or `count` responses are complete. */
async function exchange(
  t: ExecutionContext,
  pieces: (string | Buffer)[],
  { count = 1, gap = 0, heads = [] as boolean[], s = undefined as Server | undefined } = {},
) {
  const socket: Socket = await dial(t, s ?? (await served()));
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = once(socket, 'close');
  for (const piece of pieces) {
    await write(socket, piece);
    if (gap) await pause(gap);
  }
  const complete = () => {
    try {
      return parse(Buffer.concat(chunks), heads).length >= count;
    } catch {
      return false;
    }
  };
  await Promise.race([closed, until(() => (complete() ? 'done' : ''), 'done', 'the server')]);
  return { responses: parse(Buffer.concat(chunks), heads), socket, closed };
}

const get = (path: string, more = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${more}\r\n`;

/** curl or python3, as the harness runs a program, with what it printed kept to its last byte. */
const run = (t: Owner, command: string, args: string[]) =>
  program(t, command, args, { stripFinalNewline: false });

// ---- the transcripts ------------------------------------------------------------------------

test('lesson 27 transcript: the server logs each request, 28 fetches a picture', (t) =>
  checkTranscript(t, '27-http-server'));

test('lesson 28 transcript: the status line and headers as they come, then the body', (t) =>
  checkTranscript(t, '28-http-client'));

// ---- 27 with curl ---------------------------------------------------------------------------

test('curl: a file, its type and its length; HEAD gives the same head and no body', async (t) => {
  const s = await served();
  const url = `http://127.0.0.1:${s.port}/pic.svg`;
  const got = await run(t, 'curl', ['-sS', '-i', url]);
  t.is(got.exitCode, 0, got.stderr);
  t.regex(got.stdout, /^HTTP\/1\.1 200 OK\r\n/);
  t.regex(got.stdout, /\r\nContent-Type: image\/svg\+xml; charset=utf-8\r\n/);
  t.regex(got.stdout, /\r\nContent-Length: 63\r\n/);
  t.true(got.stdout.endsWith(readFileSync(join(www, 'pic.svg'), 'utf8')));
  const head = await run(t, 'curl', ['-sS', '-I', url]);
  const undated = (text: string) => text.replace(/\r\nDate: [^\r]*/, '');
  t.is(undated(head.stdout), undated(got.stdout.slice(0, got.stdout.indexOf('\r\n\r\n') + 4)));
});

test('curl -v: two URLs on one connection ("Re-using existing connection")', async (t) => {
  const s = await served();
  const base = `http://127.0.0.1:${s.port}`;
  const got = await run(t, 'curl', ['-sv', `${base}/a.txt`, `${base}/nope`]);
  t.is(got.exitCode, 0, got.stderr);
  t.regex(got.stderr, /Re-using existing connection/);
  t.regex(got.stderr, /< HTTP\/1\.1 404 Not Found/);
  t.is(got.stdout, 'plain text\n404 Not Found\n');
});

test('Content-Length counts bytes: a Chinese file name and body, by curl and raw', async (t) => {
  const s = await served();
  const bytes = Buffer.byteLength(CHINESE);
  t.true(bytes > CHINESE.length, 'more bytes than characters');
  const url = `http://127.0.0.1:${s.port}/${encodeURIComponent('中文.txt')}`;
  const got = await run(t, 'curl', ['-sS', '-i', url]);
  t.regex(got.stdout, new RegExp(`\r\nContent-Length: ${bytes}\r\n`));
  t.true(got.stdout.endsWith(`\r\n\r\n${CHINESE}`));
  // The path as raw UTF-8 bytes, not percent-encoded, as some clients send it.
  const { responses } = await exchange(t, [Buffer.from(get('/中文.txt'))]);
  t.is(responses[0]?.status, 200);
  t.is(responses[0]?.body.toString(), CHINESE);
  await waitFor(s.proc, `"GET /中文.txt HTTP/1.1" 200 ${bytes}`); // the log shows it as sent
});

test('curl: the error codes, each with its reason', async (t) => {
  const s = await served();
  const base = `http://127.0.0.1:${s.port}`;
  const code = async (...args: string[]) =>
    (await run(t, 'curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...args])).stdout;
  t.is(await code(`${base}/nope.txt`), '404');
  t.is(await code('-X', 'DELETE', `${base}/a.txt`), '405');
  t.is(await code('-d', 'x=1', `${base}/a.txt`), '405'); // a POST, with a body
  t.is(await code('-X', 'GET', '-d', 'x=1', `${base}/a.txt`), '413'); // a GET with a body
  t.is(await code(`${base}/${'x'.repeat(9000)}`), '414');
  t.is(await code('-H', `X-Big: ${'x'.repeat(20_000)}`, `${base}/a.txt`), '431');
  t.is(await code(`${base}/%zz`), '400');
  const allow = await run(t, 'curl', ['-si', '-X', 'PUT', `${base}/a.txt`]);
  t.regex(allow.stdout, /\r\nAllow: GET, HEAD\r\n/);
});

// ---- 27, byte by byte -----------------------------------------------------------------------

test('a request sent one byte at a time gets one whole answer', async (t) => {
  const request = Buffer.from(get('/a.txt', 'Connection: close\r\n'));
  const bytes = [...request].map((b) => Buffer.from([b]));
  const { responses, closed } = await exchange(t, bytes, { gap: 1 });
  t.is(responses.length, 1);
  t.is(responses[0]?.body.toString(), 'plain text\n');
  await closed; // Connection: close: the server closes after its answer
});

test('three requests in one write: three answers, in order; close after the third', async (t) => {
  const three = get('/a.txt') + get('/中文.txt') + get('/sub/', 'Connection: close\r\n');
  const { responses, closed } = await exchange(t, [Buffer.from(three)], { count: 3 });
  t.deepEqual(
    responses.map((r) => [r.status, r.headers.get('connection')]),
    [
      [200, 'keep-alive'],
      [200, 'keep-alive'],
      [200, 'close'],
    ],
  );
  t.is(responses[1]?.body.toString(), CHINESE);
  t.regex(responses[2]?.body.toString() ?? '', /<title>sub<\/title>/); // a folder: its index.html
  await closed;
});

test('HEAD and GET on one connection: the HEAD has no body, the next answer is intact', async (t) => {
  const both = `HEAD /a.txt HTTP/1.1\r\nHost: x\r\n\r\n${get('/a.txt')}`;
  const { responses } = await exchange(t, [both], { count: 2, heads: [true, false] });
  t.is(responses[0]?.headers.get('content-length'), '11');
  t.is(responses[0]?.body.length, 0);
  t.is(responses[1]?.body.toString(), 'plain text\n');
});

test('HTTP/1.0: no Host needed, closed after the answer unless keep-alive is asked', async (t) => {
  const { responses, closed } = await exchange(t, ['GET /a.txt HTTP/1.0\r\n\r\n']);
  t.is(responses[0]?.headers.get('connection'), 'close');
  await closed;
  const kept = await exchange(t, ['GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n']);
  t.is(kept.responses[0]?.headers.get('connection'), 'keep-alive');
});

const bad: [string, string, number][] = [
  ['not HTTP at all', 'hello\r\n\r\n', 400],
  ['HTTP/1.1 with no Host', 'GET /a.txt HTTP/1.1\r\n\r\n', 400],
  ['a header line with no colon', get('/a.txt', 'no colon here\r\n'), 400],
  ['a folded header line', get('/a.txt', 'X-A: 1\r\n folded\r\n'), 400],
  ['two Content-Lengths', get('/a.txt', 'Content-Length: 0\r\nContent-Length: 0\r\n'), 400],
  ['HTTP/2.0', 'GET /a.txt HTTP/2.0\r\nHost: x\r\n\r\n', 400],
  ['a lower-case method', 'get /a.txt HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['a NUL in the path', get('/a.txt%00.svg'), 400],
  ['Transfer-Encoding on a GET', get('/a.txt', 'Transfer-Encoding: chunked\r\n'), 413],
  ['a request line over 8 KiB', get(`/${'a'.repeat(8200)}`), 414],
  ['a request line over 8 KiB with no end yet', `GET /${'a'.repeat(9000)}`, 414],
  ['headers over 16 KiB', get('/', `X-A: ${'b'.repeat(17_000)}\r\n`), 431],
  ['headers over 16 KiB with no end yet', `GET / HTTP/1.1\r\nX-A: ${'b'.repeat(17_000)}`, 431],
];
for (const [what, request, status] of bad) {
  test(`${what}: ${status}, and the connection is closed`, async (t) => {
    const { responses, closed } = await exchange(t, [request]);
    t.is(responses[0]?.status, status, responses[0]?.head);
    t.is(responses[0]?.headers.get('connection'), 'close');
    await closed; // the server reads what follows and drops it, then closes
  });
}

test('rude clients (resets mid-answer, FIN then gone, a flood after Connection: close): no crash', async (t) => {
  const s = await served();
  const big = get('/big.bin');
  // No resetAndDestroy() after the server may have closed: that can hang Node 20's worker (see
  // robustness.test.ts); destroy() with unread bytes makes the kernel send a RST all the same.
  const rude: ((socket: Socket) => void)[] = [
    (k) => k.write(big, () => k.resetAndDestroy()), // the request, then a reset before any answer
    (k) => k.end(big + get('/a.txt'), () => k.destroy()), // two requests, a FIN, then gone
    (k) => k.write(big, () => k.once('data', () => k.resetAndDestroy())), // a reset mid-answer
    (k) => {
      k.write(`${get('/a.txt', 'Connection: close\r\n')}${'x'.repeat(100_000)}`);
      k.once('data', () => k.destroy()); // a flood after the close was asked for, then gone
    },
  ];
  const closed = await Promise.all(
    Array.from({ length: 24 }, async (_, i) => {
      const socket = await dial(t, s);
      rude[i % rude.length]?.(socket);
      return once(socket, 'close');
    }),
  );
  t.is(closed.length, 24);
  const { responses } = await exchange(t, [get('/a.txt')]);
  t.is(responses[0]?.status, 200, 'it still serves');
  t.is(output(s.proc).stderr, '', 'nothing on stderr');
});

// ---- 27 keeps its folder shut ---------------------------------------------------------------

const traversal: [string, string, number][] = [
  ['..', '/../secret.txt', 404],
  ['.. deeper', '/sub/../../secret.txt', 404],
  ['%2e%2e', '/%2e%2e/secret.txt', 404],
  ['%2E%2E%2F', '/%2E%2E%2Fsecret.txt', 404],
  ['..%2f', '/..%2fsecret.txt', 404],
  ['a backslash', '/..%5csecret.txt', 404],
  ['an absolute path', '/etc/passwd', 404],
  ['a double slash', '//etc/passwd', 404],
  ['no slash first', '../secret.txt', 400],
  ['an absolute URL', 'http://x/../secret.txt', 400],
  ['a symlink to a file outside', '/out.txt', 404],
  ['a symlink to a folder outside', '/up/secret.txt', 404],
  ['a folder whose index.html links outside', '/leak/', 404],
  ['a symlink to /etc/passwd', '/passwd', 404],
];
for (const [what, path, status] of traversal) {
  test(`outside --dir, ${what} (${path}): ${status}, never the file`, async (t) => {
    const { responses } = await exchange(t, [`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`]);
    t.is(responses[0]?.status, status);
    t.false(responses[0]?.body.toString().includes(SECRET));
    t.false(responses[0]?.body.toString().includes('root:'));
  });
}

test('a symlink that stays inside --dir is served', async (t) => {
  const { responses } = await exchange(t, [get('/inside.txt')]);
  t.is(responses[0]?.status, 200);
  t.is(responses[0]?.body.toString(), 'plain text\n');
});

// ---- 27: a client that stops halfway ---------------------------------------------------------

test('a client that stops mid-headers is closed after --timeout, and the server goes on', async (t) => {
  // 2 s: the timeout counts silence on the socket, also while 27 works on an answer, so the
  // good client below needs it long enough for a busy machine (0.3 s failed there, under tsx).
  const s = await server(t, SERVER, { args: ['--dir', www, '--timeout', '2'] });
  const quiet = await dial(t, s);
  const [closed, mine] = [once(quiet, 'close'), quiet.localPort];
  let answered = '';
  quiet.on('data', (chunk) => {
    answered += chunk;
  });
  await write(quiet, 'GET /a.txt HTTP/1.1\r\nHost: x\r\n'); // and never the blank line
  await closed; // the server destroyed it
  t.is(answered, '', 'no answer');
  t.false(
    tcpSockets(s.port).some((k) => k.remotePort === mine && k.state === 'ESTABLISHED'),
    'the server holds no connection to it',
  );
  const { responses } = await exchange(t, [get('/a.txt')], { s });
  t.is(responses[0]?.status, 200, 'and still serves');
});

// ---- 27 with Python's http.client -------------------------------------------------------------

test("Python's http.client: keep-alive on one socket, HEAD, a Chinese path", async (t) => {
  const s = await served();
  const got = await run(t, 'python3', [
    `${root}test/fixtures/http_client.py`,
    String(s.port),
    '/中文.txt',
  ]);
  t.is(got.exitCode, 0, got.stderr);
  const seen = JSON.parse(got.stdout);
  t.true(seen.one_connection, 'both GETs and the HEAD on one connection');
  const length = String(Buffer.byteLength(CHINESE));
  t.deepEqual(seen.responses, [
    { method: 'GET', status: 200, length, type: 'text/plain; charset=utf-8', body: CHINESE },
    { method: 'GET', status: 200, length, type: 'text/plain; charset=utf-8', body: CHINESE },
    { method: 'HEAD', status: 200, length, type: 'text/plain; charset=utf-8', body: '' },
  ]);
});

// ---- 28 against Python's http.server ----------------------------------------------------------

let python: Promise<{ port: number }> | undefined;
/** test/fixtures/http_peer.py: Python's http.server on a free port, serving `www`. */
function pythonServer() {
  python ??= (async () => {
    const proc = run(file, 'python3', [`${root}test/fixtures/http_peer.py`, www]);
    let seen = '';
    proc.stdout?.on('data', (chunk) => {
      seen += chunk;
    });
    await until(() => seen, /^listening on .*:\d+\n/, 'http_peer.py');
    return { port: Number(/:(\d+)\n/.exec(seen)?.[1]) };
  })();
  return python;
}

const bodies: [string, string, RegExp][] = [
  ['a file (Content-Length)', '/中文.txt', /^body: 34 bytes, as its Content-Length said, saved/m],
  ['chunked', '/chunked', /^body: 22 bytes, in 3 chunks \(Transfer-Encoding: chunked\), saved/m],
  ['close-delimited', '/close', /^body: 22 bytes, until the server closed the connection/m],
];
for (const [what, path, says] of bodies) {
  test(`28 against Python's http.server: ${what}, every byte saved`, async (t) => {
    const at = await pythonServer();
    const saved = join(tempFolder(t, '28'), 'body');
    const done = await client(t, CLIENT, at, { args: [path, '--out', saved] });
    t.is(done.exitCode, 0, done.stderr);
    t.regex(done.stdout, says);
    const expected = path === '/中文.txt' ? CHINESE : '你好, chunked world\n';
    t.is(readFileSync(saved, 'utf8'), expected);
  });
}

test('28 --out in a folder that does not exist: one line naming it, exit 1, before any request', async (t) => {
  const at = await pythonServer();
  const nowhere = join(tempFolder(t, '28'), 'missing', 'body');
  const done = await client(t, CLIENT, at, { args: ['/中文.txt', '--out', nowhere] });
  t.is(done.exitCode, 1);
  t.is(done.stdout, '', 'no status line: the file is opened before the request is sent');
  t.regex(done.stderr, /^error: ENOENT: no such file or directory, open '.*missing\/body'$/);
});

test('28: a body cut short, or an answer that is not HTTP: one line, exit 1', async (t) => {
  const at = await pythonServer();
  const short = await client(t, CLIENT, at, { args: ['/short'] });
  t.is(short.exitCode, 1);
  t.is(
    short.stderr,
    'the server closed the connection with 90 promised bytes still to come — the answer is cut short',
  );
  const garbage = await client(t, CLIENT, at, { args: ['/garbage'] });
  t.is(garbage.exitCode, 1);
  t.regex(
    garbage.stderr,
    /^not HTTP\/1\.x: 'SSH-2\.0-OpenSSH_9\.2' — is that port an HTTP server\?$/,
  );
});
