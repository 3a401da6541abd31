/**
 * The bad-input matrix: every way a student can get it wrong, tried against every script it
 * applies to. A new script is covered by adding a row to `rows`; each case below decides from the
 * row's kind whether it applies.
 *
 * Every case asserts the contract: one line on stderr saying what happened, the right exit code
 * (0 clean end, 1 failure, 2 usage; a signal ends the process quietly), no stack trace, no hang
 * (every process has a time limit), and a server meant to keep serving still answers afterwards.
 */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import {
  assertNoStack,
  client,
  type Done,
  freePort,
  lines,
  occupiedPort,
  type Proc,
  type Server,
  server,
  start,
  waitFor,
} from './harness.ts';

type Kind = 'tcp-server' | 'tcp-client' | 'udp-server' | 'udp-client' | 'tool';

interface Row {
  script: string;
  kind: Kind;
  /** For a TCP server: the bytes a client sends for one message. */
  wire?: (message: Buffer) => Buffer;
  /** What the server prints on receiving that message (checked with `includes`). */
  shows?: (message: Buffer) => string;
  /** Typed lines a server needs to answer (piped on its stdin). */
  answers?: string[];
  /** A server that serves client after client survives a bad client, and says so. */
  keepsServing?: boolean;
  /** A TCP server that reads once per client, as its listing does: it drops the rest on purpose. */
  readsOnce?: boolean;
  /** A TCP server whose conversation is over once it has answered one message. */
  answersOnce?: boolean;
  /** A TCP client: its first line is sent at once, before any answer. */
  firstLine?: string;
}

const text = (message: Buffer) => message.toString('utf8');
const rows: Row[] = [
  { script: '00-ip-address.ts', kind: 'tool' },
  { script: '01-tcp-server.ts', kind: 'tcp-server', shows: text, answers: repeat('ok', 64) },
  { script: '02-tcp-client.ts', kind: 'tcp-client', firstLine: 'hello' },
  {
    script: '05-tcp-reuseaddr-server.ts',
    kind: 'tcp-server',
    shows: pyBytes,
    readsOnce: true,
    answersOnce: true,
  },
  {
    script: '06-tcp-multi-server.ts',
    kind: 'tcp-server',
    shows: (m) => `收到 ${text(m)}`,
    answers: repeat('ok', 64),
    keepsServing: true,
    readsOnce: true,
  },
  { script: '07-tcp-multi-client.ts', kind: 'tcp-client', firstLine: 'hello' },
];

/** Python's repr() of bytes, as the scripts that print raw bytes show them. */
function pyBytes(message: Buffer) {
  const quote = message.includes(0x27) && !message.includes(0x22) ? '"' : "'";
  const named: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r', 92: '\\\\' };
  const body = [...message]
    .map(
      (b) =>
        named[b] ??
        (b === quote.charCodeAt(0)
          ? `\\${quote}`
          : b < 0x20 || b > 0x7e
            ? `\\x${b.toString(16).padStart(2, '0')}`
            : String.fromCharCode(b)),
    )
    .join('');
  return `b${quote}${body}${quote}`;
}

function repeat(line: string, times: number) {
  return Array.from({ length: times }, () => line);
}

const is = (...kinds: Kind[]) => rows.filter((row) => kinds.includes(row.kind));
const servers = is('tcp-server', 'udp-server');
const sockets = rows.filter((row) => row.kind !== 'tool');

/** The contract for a failure: one plain line on stderr, exit 1, no stack trace. */
function failsWithOneLine(t: ExecutionContext, done: Done, pattern: RegExp) {
  t.is(done.exitCode, 1, `exit code (stderr: ${done.stderr})`);
  t.regex(done.stderr, pattern);
  t.is(done.stderr.split('\n').length, 1, 'one line on stderr');
  assertNoStack(t, done);
}

// ---- every script: flags ---------------------------------------------------------------------

for (const row of rows) {
  for (const args of [['--bogus'], ['--port', 'abc'], ['--port', '-1'], ['--port', '70000']]) {
    test(`${row.script} ${args.join(' ')}: one usage line, exit 2`, async (t) => {
      const done = await start(t, row.script, { args, input: [] });
      t.is(done.exitCode, 2);
      t.regex(done.stderr, /usage: npx tsx scripts\//);
      t.is(done.stderr.split('\n').length, 1, 'one line on stderr');
      t.is(done.stdout, '');
    });
  }
}

for (const row of sockets) {
  test(`${row.script} --host bad..host: cannot resolve, exit 1`, async (t) => {
    const port = String(await freePort());
    const done = await start(t, row.script, {
      args: ['--host', 'bad..host', '--port', port],
      input: ['hello'],
    });
    failsWithOneLine(t, done, /bad\.\.host/);
  });
}

// ---- servers ---------------------------------------------------------------------------------

for (const row of servers) {
  test(`${row.script} on a port in use: says so, exit 1`, async (t) => {
    const port = await occupiedPort(t, row.kind === 'udp-server' ? 'udp' : 'tcp');
    const done = await start(t, row.script, { args: ['--port', String(port)], input: [] });
    failsWithOneLine(t, done, /already in use/);
    t.is(done.stdout, '');
  });

  for (const host of ['0.0.0.0', '::']) {
    test(`${row.script} --host ${host}: warns that other machines can connect`, async (t) => {
      // In a network namespace of its own: the test never listens beyond loopback for real.
      const s = await server(t, row.script, { args: ['--host', host], isolated: true });
      t.is(s.host, host);
      s.proc.kill('SIGINT');
      const done = await s.proc;
      t.is(done.stderr, `warning: ${host} means every interface: other machines can connect`);
    });
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${row.script}: ${signal} while waiting for a peer ends it quietly`, async (t) => {
      const s = await server(t, row.script);
      s.proc.kill(signal);
      const done = await s.proc;
      t.is(done.signal, signal);
      t.is(done.stderr, '');
    });
  }
}

// ---- TCP servers: bad clients ----------------------------------------------------------------

async function dial(t: ExecutionContext, s: Server): Promise<Socket> {
  const socket = connect(s.port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  await once(socket, 'connect');
  return socket;
}

/** After a bad client, a server that keeps serving must still serve a good one. */
async function stillServes(t: ExecutionContext, row: Row, s: Server) {
  const message = Buffer.from('still there?');
  const good = await dial(t, s);
  good.write(row.wire?.(message) ?? message);
  await waitFor(s.proc, row.shows?.(message) ?? '');
  t.pass('served the next client');
}

for (const row of is('tcp-server')) {
  const wire = row.wire ?? ((m: Buffer) => m);
  const shows = row.shows ?? text;
  const ends = async (t: ExecutionContext, s: Server, code: number) => {
    if (row.keepsServing) {
      if (s.proc.stdin.writable) s.proc.stdin.end(lines(row.answers ?? [])); // the typed answer
      return stillServes(t, row, s);
    }
    const done = await s.proc;
    t.is(done.exitCode, code, `exit code (stderr: ${done.stderr})`);
    assertNoStack(t, done);
    if (code === 1) t.is(done.stderr.split('\n').length, 1, 'one line on stderr');
  };

  test(`${row.script}: a client that resets before sending anything`, async (t) => {
    const s = await server(t, row.script, { input: row.answers ?? [] });
    (await dial(t, s)).resetAndDestroy();
    await ends(t, s, 1);
  });

  test(`${row.script}: a client that closes cleanly before sending anything`, async (t) => {
    const s = await server(t, row.script, { input: row.answers ?? [] });
    (await dial(t, s)).end();
    await ends(t, s, 0);
  });

  test(`${row.script}: a client that resets after its message`, async (t) => {
    // A one-message server has answered and closed by then: its clean end is what is checked.
    const s = await server(t, row.script); // stdin open: the server waits for typed input
    const peer = await dial(t, s);
    const message = Buffer.from('hello');
    peer.write(wire(message));
    await waitFor(s.proc, shows(message));
    peer.resetAndDestroy();
    await ends(t, s, row.answersOnce ? 0 : 1);
  });

  test(`${row.script}: invalid UTF-8 is shown, not fatal`, async (t) => {
    const s = await server(t, row.script, { input: row.answers ?? [] });
    const peer = await dial(t, s);
    const message = Buffer.from([0x68, 0xff, 0xfe, 0x69]);
    peer.write(wire(message));
    await waitFor(s.proc, shows(message));
    peer.end();
    t.pass();
  });

  if (row.readsOnce) continue; // the next two cases need a server that reads all it is sent

  test(`${row.script}: a character split across two reads comes out whole`, async (t) => {
    const s = await server(t, row.script, { input: row.answers ?? [] });
    const peer = await dial(t, s);
    const message = Buffer.from('你好, 世界');
    const bytes = wire(message);
    peer.write(bytes.subarray(0, bytes.length - 8)); // cuts 界 (3 bytes) and 世 (3 bytes)
    await new Promise((resolve) => setTimeout(resolve, 50)); // a gap, so the reads are two
    peer.write(bytes.subarray(bytes.length - 8));
    await waitFor(s.proc, '界');
    t.false((await waitFor(s.proc, '界')).includes('\uFFFD'), 'no replacement characters');
    peer.end();
  });

  test(`${row.script}: a 1 MiB message is all printed, in order`, async (t) => {
    const s = await server(t, row.script, { input: row.answers ?? [] });
    const peer = await dial(t, s);
    const line = 'the quick brown fox jumps over the lazy dog 0123456789 '; // 56 bytes
    const body = line.repeat(Math.ceil(2 ** 20 / line.length)).slice(0, 2 ** 20 - 7);
    const message = Buffer.from(`${body}THE END`);
    peer.write(wire(message));
    peer.on('data', () => {}); // take the answers, whatever they are
    const seen = await waitFor(s.proc, 'THE END');
    const printed = seen.replace(/^listening on .*\n/, '').replace(/请输入:\n>>>|\n/g, '');
    t.is(printed.length, message.length, 'every byte');
    t.true(printed === message.toString(), 'in order');
    peer.end();
  });
}

// ---- TCP clients: bad servers ----------------------------------------------------------------

/** A server played by the test: it accepts one client and hands the socket to `then`. */
async function fakeServer(t: ExecutionContext, then: (socket: Socket) => void) {
  const fake = createServer(then).listen(0, '127.0.0.1');
  t.teardown(() => fake.close());
  await once(fake, 'listening');
  return { port: (fake.address() as { port: number }).port };
}

for (const row of is('tcp-client')) {
  test(`${row.script} with nothing listening: says to start the server, exit 1`, async (t) => {
    const done = await client(t, row.script, { port: await freePort() }, { input: ['hello'] });
    failsWithOneLine(t, done, /^nothing is listening on 127\.0\.0\.1:\d+ — start \S+ first$/);
  });

  test(`${row.script}: the server resets while it waits for typed input`, async (t) => {
    const at = await fakeServer(t, (socket) => socket.resetAndDestroy());
    const c = client(t, row.script, at); // stdin open and empty: it waits at the prompt
    failsWithOneLine(t, await c, /reset/);
  });

  test(`${row.script}: the server resets while it waits for the answer`, async (t) => {
    const at = await fakeServer(t, (socket) => socket.once('data', () => socket.resetAndDestroy()));
    const c = client(t, row.script, at, { input: [row.firstLine ?? 'hello'] });
    failsWithOneLine(t, await c, /reset/);
  });

  test(`${row.script}: the server closes cleanly while it waits for the answer`, async (t) => {
    const at = await fakeServer(t, (socket) => socket.once('data', () => socket.end()));
    const done = await client(t, row.script, at, { input: [row.firstLine ?? 'hello', 'more'] });
    t.is(done.exitCode, 0);
    t.regex(done.stdout, /\(the server closed the connection\)$/);
    t.is(done.stderr, '');
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${row.script}: ${signal} while waiting for typed input ends it quietly`, async (t) => {
      const at = await fakeServer(t, () => {});
      const c: Proc = client(t, row.script, at);
      await waitFor(c, '>');
      c.kill(signal);
      const done = await c;
      t.is(done.signal, signal);
      t.is(done.stderr, '');
    });
  }
}
