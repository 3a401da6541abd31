/**
 * The bad-input matrix: every way a student can get it wrong, tried against every script it
 * applies to. A new script is covered by adding a row to `rows`; each case below decides from the
 * row's kind whether it applies.
 *
 * Every case asserts the contract: one line on stderr saying what happened, the right exit code
 * (0 clean end, 1 failure, 2 usage; a signal ends the process quietly), no stack trace, no hang
 * (every process has a time limit), and a server meant to keep serving still answers afterwards.
 */
import { on, once } from 'node:events';
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import avaTest, { type ExecutionContext } from 'ava';
import './as-library.ts'; // before the script: its functions, without running it
import { encode } from '../scripts/16-framed-server.ts';
import {
  assertNoStack,
  client,
  type Done,
  freePort,
  limited,
  lines,
  occupiedPort,
  type Proc,
  peerServer,
  root,
  type Server,
  sendDatagram,
  server,
  start,
  udpSocket,
  waitFor,
} from './harness.ts';

/** At most 16 cases at a time: see `limited` in the harness. */
const turn = limited(16);
const test = (title: string, body: (t: ExecutionContext) => Promise<unknown>) =>
  avaTest(title, (t) => turn(() => body(t)));

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
  /** A TCP server that prints only once the client stops sending (its second read returns). */
  printsAtEnd?: boolean;
  /** A TCP client: its first line is sent at once, before any answer. */
  firstLine?: string;
  /** A client's prompt, or none for a client that types nothing (it sends and ends). */
  prompt?: string;
  /** A UDP server: a normal request and the answer that proves it still serves. */
  request?: string;
  reply?: RegExp;
  /** Extra flags for every start (a UDP client's short --timeout). */
  args?: string[];
}

const text = (message: Buffer) => message.toString('utf8');
const rows: Row[] = [
  { script: '00-ip-address.ts', kind: 'tool' },
  { script: '01-tcp-server.ts', kind: 'tcp-server', shows: text, answers: repeat('ok', 64) },
  { script: '02-tcp-client.ts', kind: 'tcp-client', firstLine: 'hello', prompt: '>>>' },
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
  { script: '07-tcp-multi-client.ts', kind: 'tcp-client', firstLine: 'hello', prompt: '>>>' },
  { script: '03-udp-server.ts', kind: 'udp-server', request: 'hello', reply: /^HELLO$/ },
  { script: '04-udp-client.ts', kind: 'udp-client', prompt: '>>: ', args: ['--timeout', '0.3'] },
  {
    script: '08-udp-chat-server.ts',
    kind: 'udp-server',
    answers: repeat('ok', 8),
    request: 'hello',
    reply: /^ok$/,
  },
  { script: '09-udp-chat-client.ts', kind: 'udp-client', prompt: 'client:' },
  { script: '10-udp-time-server.ts', kind: 'udp-server', request: '%Y', reply: /^\d{4}$/ },
  {
    script: '11-udp-time-client.ts',
    kind: 'udp-client',
    prompt: '>>>',
    args: ['--timeout', '0.3'],
  },
  {
    script: '12-sticky-recv-partial-server.ts',
    kind: 'tcp-server',
    shows: (m) => `-----> ${text(m.subarray(0, 2))}`,
    readsOnce: true,
    answersOnce: true,
  },
  { script: '13-sticky-recv-partial-client.ts', kind: 'tcp-client' },
  {
    script: '14-sticky-merge-server.ts',
    kind: 'tcp-server',
    shows: (m) => `-----> ${text(m.subarray(0, 10))}`,
    readsOnce: true,
    answersOnce: true,
    printsAtEnd: true,
  },
  { script: '15-sticky-merge-client.ts', kind: 'tcp-client' },
  {
    script: '16-framed-server.ts',
    kind: 'tcp-server',
    wire: encode,
    shows: text,
    answers: repeat('ok', 64),
  },
  { script: '17-framed-client.ts', kind: 'tcp-client', firstLine: 'hello', prompt: '>>>' },
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
    test(`${row.script} --host ${host}: warns that other machines could connect`, async (t) => {
      // The port is already taken on 127.0.0.1, so the bind fails after the warning: nothing
      // in this test ever listens beyond loopback.
      const port = await occupiedPort(t, row.kind === 'udp-server' ? 'udp' : 'tcp');
      const args = ['--host', host, '--port', String(port)];
      const done = await start(t, row.script, { args, input: [] });
      const [warning = '', failure = ''] = done.stderr.split('\n');
      t.regex(
        warning,
        /^warning: \S+ means every interface: other machines can (connect|send to it)$/,
      );
      t.regex(failure, /already in use/);
      t.is(done.exitCode, 1);
      t.is(done.stdout, '');
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

async function dial(t: ExecutionContext, s: Server, host = '127.0.0.1'): Promise<Socket> {
  const socket = connect(s.port, host).on('error', () => {}); // a bad client: errors are fine
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

  test(`${row.script} --host ::1: listens on [::1] and serves over IPv6`, async (t) => {
    const s = await server(t, row.script, { args: ['--host', '::1'], input: row.answers ?? [] });
    t.is(s.address, `[::1]:${s.port}`);
    const peer = await dial(t, s, '::1');
    const message = Buffer.from('over IPv6');
    peer.write(wire(message));
    if (row.printsAtEnd) peer.end();
    await waitFor(s.proc, shows(message));
    peer.end();
  });

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
    if (!row.printsAtEnd) await waitFor(s.proc, shows(message));
    // resetAndDestroy() on a socket the server has already closed hangs the test worker (seen
    // with Node 20): by then there is nothing left to reset.
    if (peer.readyState === 'open') peer.resetAndDestroy();
    else peer.destroy();
    if (!row.answersOnce) return ends(t, s, 1);
    // It may have finished before the reset arrived (exit 0) or not (one line, exit 1).
    const done = await s.proc;
    if (done.exitCode === 1) failsWithOneLine(t, done, /reset|went away/);
    else t.is(done.exitCode, 0, `exit code (stderr: ${done.stderr})`);
  });

  test(`${row.script}: invalid UTF-8 is shown, not fatal`, async (t) => {
    const s = await server(t, row.script, { input: row.answers ?? [] });
    const peer = await dial(t, s);
    const message = Buffer.from([0x68, 0xff, 0xfe, 0x69]);
    peer.write(wire(message));
    if (row.printsAtEnd) peer.end();
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

for (const row of is('tcp-client')) {
  const args = row.args ?? [];
  test(`${row.script} with nothing listening: says to start the server, exit 1`, async (t) => {
    const done = await client(t, row.script, { port: await freePort() }, { args, input: ['hi'] });
    const server = row.script.replace(/^(\d\d)/, (n) => String(Number(n) - 1).padStart(2, '0'));
    const partner = readdirSync(`${root}scripts`).find((f) => f.startsWith(server.slice(0, 3)));
    failsWithOneLine(
      t,
      done,
      new RegExp(`^nothing is listening on 127\\.0\\.0\\.1:\\d+ — start ${partner} first$`),
    );
  });

  test(`${row.script} --host ::1: connects over IPv6`, async (t) => {
    let got = '';
    const at = await peerServer(
      t,
      (socket) =>
        socket.on('data', (d) => {
          got += d;
          socket.end(); // hang up: the client ends cleanly
        }),
      '::1',
    );
    const done = await client(t, row.script, at, {
      args: [...args, '--host', '::1'],
      input: ['hi'],
    });
    t.true(got.length > 0, 'the server received bytes over ::1');
    t.is(done.exitCode, 0, done.stderr);
  });

  if (row.prompt) {
    test(`${row.script}: the server resets while it waits for typed input`, async (t) => {
      const at = await peerServer(t, (socket) => socket.resetAndDestroy());
      const c = client(t, row.script, at, { args }); // stdin open and empty: it waits to be typed to
      failsWithOneLine(t, await c, /reset/);
    });

    test(`${row.script}: end of input at the prompt ends it cleanly`, async (t) => {
      const at = await peerServer(t, () => {});
      const done = await client(t, row.script, at, { args, input: [] });
      t.is(done.exitCode, 0);
      t.is(done.stderr, '');
    });
  }

  if (row.firstLine) {
    test(`${row.script}: the server resets while it waits for the answer`, async (t) => {
      const at = await peerServer(t, (socket) =>
        socket.once('data', () => socket.resetAndDestroy()),
      );
      const c = client(t, row.script, at, { args, input: [row.firstLine ?? ''] });
      failsWithOneLine(t, await c, /reset/);
    });

    test(`${row.script}: the server closes cleanly while it waits for the answer`, async (t) => {
      const at = await peerServer(t, (socket) => socket.once('data', () => socket.end()));
      const done = await client(t, row.script, at, { args, input: [row.firstLine ?? '', 'more'] });
      t.is(done.exitCode, 0);
      t.regex(done.stdout, /\(the server closed the connection\)$/);
      t.is(done.stderr, '');
    });
  }
}

// ---- UDP servers: bad datagrams; UDP clients: no server ----------------------------------------

for (const row of is('udp-server')) {
  const bad: [string, Buffer][] = [
    ['an empty datagram', Buffer.alloc(0)],
    ['invalid UTF-8', Buffer.from([0x68, 0xff, 0xfe, 0x69])],
    ['the largest datagram (65,507 bytes)', Buffer.alloc(65_507, 'x')],
  ];
  test(`${row.script} --host ::1: listens on [::1] and answers over IPv6`, async (t) => {
    const s = await server(t, row.script, { args: ['--host', '::1'], input: row.answers ?? [] });
    t.is(s.address, `[::1]:${s.port}`);
    const reply = await sendDatagram({ host: '::1', port: s.port }, row.request ?? '');
    t.regex(String(reply), row.reply ?? /./);
  });

  for (const [what, datagram] of bad) {
    test(`${row.script}: ${what} does not stop it; the next request is answered`, async (t) => {
      const s = await server(t, row.script, { input: row.answers ?? [] });
      const peer = await udpSocket(t);
      const replies = on(peer, 'message', { signal: AbortSignal.timeout(10_000) });
      peer.send(datagram, s.port, '127.0.0.1');
      peer.send(row.request ?? '', s.port, '127.0.0.1');
      await waitFor(s.proc, row.request ?? '');
      for await (const [reply] of replies as AsyncIterable<[Buffer]>) {
        if (row.reply?.test(reply.toString())) break;
      }
      t.pass('answered after the bad datagram');
    });
  }
}

for (const row of is('udp-client')) {
  const args = row.args ?? [];
  test(`${row.script} with no server: one line, exit 1, no hang`, async (t) => {
    const to = { port: await freePort('udp') };
    failsWithOneLine(t, await client(t, row.script, to, { args, input: ['hi'] }), /./);
  });

  test(`${row.script}: end of input at the prompt ends it cleanly`, async (t) => {
    const done = await client(t, row.script, { port: await freePort('udp') }, { args, input: [] });
    t.is(done.exitCode, 0);
    t.is(done.stderr, '');
  });
}

// ---- every client: signals at the prompt ------------------------------------------------------

for (const row of is('tcp-client', 'udp-client').filter((r) => r.prompt)) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${row.script}: ${signal} while waiting for typed input ends it quietly`, async (t) => {
      const at = row.kind === 'tcp-client' ? await peerServer(t, () => {}) : { port: 9 };
      const c: Proc = client(t, row.script, at, { args: row.args ?? [] });
      await waitFor(c, row.prompt ?? '');
      c.kill(signal);
      const done = await c;
      t.is(done.signal, signal);
      t.is(done.stderr, '');
    });
  }
}
