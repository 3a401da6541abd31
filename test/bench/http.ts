/**
 * `npm run bench:http`: requests a second of lesson 27's server against Python's
 * `ThreadingHTTPServer` (`python3 -m http.server`) and Node's own `node:http`, side by side in one
 * run, with connections kept alive and with a new connection for every request. Lesson 27 quotes
 * the table. Not part of `npm test`.
 *
 * The load comes from wrk (Debian's package: `apt-get install wrk`), a C program on epoll: one
 * thread of it keeps 10 connections busy at a fraction of the CPU a Node load generator
 * (autocannon) would take, so on a 2-core machine the server, not the client, is what runs out.
 * Python's server runs twice: as \`python3 -m http.server\` starts it (with \`-p HTTP/1.1\` when
 * connections are kept alive: its default, HTTP/1.0, closes every one), and with its switch
 * \`disable_nagle_algorithm\` set, as 27 and node:http set TCP_NODELAY (see lesson 27).
 * Every server serves the same 1 KiB file from the same folder, one after the other, RUNS times
 * each in turn, SECONDS seconds a run; the table gives each one's median.
 *
 *   npm run bench:http                       3 runs of 5 s each, for each server and mode
 *   npm run bench:http -- --runs 5 --seconds 10
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { command, root } from '../harness.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' } },
});
const [RUNS, SECONDS] = [Number(values.runs), Number(values.seconds)];
const folder = mkdtempSync(join(tmpdir(), 'sockets-kit-bench-http-'));
/** The server of the moment, killed however the run ends (its end, an error, Ctrl+C). */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
  rmSync(folder, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));
writeFileSync(join(folder, 'file.txt'), `${'x'.repeat(1023)}\n`);

try {
  execFileSync('wrk', ['--version'], { stdio: 'ignore' });
} catch (err) {
  // wrk --version exits 1 after printing its version; only a missing wrk is an error here.
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
    console.error('wrk is not installed — apt-get install wrk');
    process.exit(1);
  }
}

/** node:http, serving files as 27 does: the same headers, the file streamed from disk. */
const NODE_HTTP = `
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
const dir = process.argv[1];
const server = createServer(async (req, res) => {
  const file = join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  const info = await stat(file).catch(() => undefined);
  console.log(\`\${req.socket.remoteAddress}:\${req.socket.remotePort} "\${req.method} \${req.url}"\`); // as 27 logs
  if (!info?.isFile()) return res.writeHead(404).end('404 Not Found\\n');
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': info.size });
  createReadStream(file).pipe(res);
});
server.listen(0, '127.0.0.1', () => console.log('listening on 127.0.0.1:' + server.address().port));
`;

const PYTHON_NODELAY = `
import functools, http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = sys.argv[2]
    disable_nagle_algorithm = True  # StreamRequestHandler sets TCP_NODELAY on each connection
server = http.server.ThreadingHTTPServer(
    ('127.0.0.1', 0), functools.partial(Handler, directory=sys.argv[1]))
print('listening on 127.0.0.1:%d' % server.server_address[1], flush=True)
server.serve_forever()
`;

const SERVERS: Record<string, { argv: (keepAlive: boolean) => string[] }> = {
  '27-http-server.ts': {
    argv: () => [...command(`${root}scripts/27-http-server.ts`), '--port', '0', '--dir', folder],
  },
  'node:http': { argv: () => ['node', '--input-type=module', '-e', NODE_HTTP, folder] },
  // -p HTTP/1.1 lets Python keep a connection open; its default, HTTP/1.0, closes every one.
  // The same ThreadingHTTPServer, with Python's own switch for Nagle's algorithm turned off.
  'http.server, TCP_NODELAY': {
    argv: (keep) => ['python3', '-c', PYTHON_NODELAY, folder, keep ? 'HTTP/1.1' : 'HTTP/1.0'],
  },
  'python3 -m http.server': {
    argv: (keep) => {
      const python = ['python3', '-u', '-m', 'http.server', '--bind', '127.0.0.1'];
      return [...python, '--directory', folder, ...(keep ? ['-p', 'HTTP/1.1'] : []), '0'];
    },
  },
};

/** Start a server; resolve with its process and port once it says where it listens. Its log
 * (a line per request) is read and dropped: a server writing to a closed pipe would fail. */
async function start(argv: string[]): Promise<{ proc: ChildProcess; port: number }> {
  const [file = '', ...rest] = argv;
  const proc = spawn(file, rest, { stdio: ['ignore', 'pipe', 'ignore'] });
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
  let seen = '';
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    if (seen.length < 1000) seen += chunk;
  });
  const began = performance.now();
  while (!/(?:listening on 127\.0\.0\.1:|port )(\d+)/.test(seen)) {
    if (proc.exitCode !== null || performance.now() - began > 30_000)
      throw new Error(`${argv.join(' ')} did not listen: ${seen}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { proc, port: Number(/(?:listening on 127\.0\.0\.1:|port )(\d+)/.exec(seen)?.[1]) };
}

/** One wrk run: requests a second, and any errors it counted (non-2xx, socket errors). */
function wrk(port: number, keepAlive: boolean) {
  const args = ['-t1', '-c10', `-d${SECONDS}s`, `http://127.0.0.1:${port}/file.txt`];
  if (!keepAlive) args.unshift('-H', 'Connection: close');
  const out = execFileSync('wrk', args, { encoding: 'utf8' });
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const errors = /Non-2xx.*|Socket errors.*/g.exec(out)?.[0] ?? '';
  return { rate, errors };
}

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? 0;
const results = new Map<string, number[]>(); // "server|mode" → requests a second, one per run
console.log(
  `wrk -t1 -c10 -d${SECONDS}s, a 1 KiB file, ${RUNS} runs each, taking turns (${process.version})`,
);
for (let run = 1; run <= RUNS; run++) {
  for (const keepAlive of [true, false]) {
    for (const [name, server] of Object.entries(SERVERS)) {
      const key = `${name}|${keepAlive ? 'keep-alive' : 'a connection per request'}`;
      const { proc, port } = await start(server.argv(keepAlive));
      const { rate, errors } = wrk(port, keepAlive);
      proc.kill();
      await once(proc, 'exit');
      results.set(key, [...(results.get(key) ?? []), rate]);
      console.log(
        `  run ${run}, ${key.replace('|', ', ')}: ${Math.round(rate)} requests/s ${errors}`,
      );
    }
  }
}

console.log(
  '\n| server | keep-alive, requests/s | against 27 | a connection per request, requests/s | against 27 |',
);
console.log('|---|---|---|---|---|');
const own = (mode: string) => median(results.get(`27-http-server.ts|${mode}`) ?? []);
for (const name of Object.keys(SERVERS)) {
  const cells = ['keep-alive', 'a connection per request'].flatMap((mode) => {
    const rate = median(results.get(`${name}|${mode}`) ?? []);
    return [Math.round(rate).toLocaleString('en'), `${(rate / own(mode)).toFixed(2)}×`];
  });
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}
