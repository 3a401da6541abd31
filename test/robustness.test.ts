/**
 * The bad-input matrix: every way a student can get it wrong, tried against every script it
 * applies to. A new script is covered by adding a row to `rows`; each case below decides from the
 * row's kind whether it applies.
 *
 * Every case asserts the contract: one line on stderr saying what happened, the right exit code
 * (0 clean end, 1 failure, 2 usage; a signal ends the process quietly), no stack trace, no hang
 * (every process has a time limit), and a server meant to keep serving still answers afterwards.
 */
import { on } from 'node:events';
import { readdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import avaTest, { type ExecutionContext } from 'ava';
import './as-library.ts'; // before the script: its functions, without running it
import { encode } from '../scripts/16-framed-server.ts';
import {
  assertNoStack,
  client,
  dial,
  failsWithOneLine,
  freePort,
  limited,
  lines,
  occupiedPort,
  type Proc,
  pause,
  peerServer,
  RUNNER,
  root,
  type Server,
  scriptPath,
  sendDatagram,
  server,
  socketPath,
  start,
  udpSocket,
  until,
  usagePrefix,
  waitFor,
} from './harness.ts';
import { roomMatrix } from './room-cases.ts';

/** At most 6 cases a core at a time (12 on two cores): see `limited` in the harness. More only
 * queue for the cores and make every process, this file's and the others', answer later. */
const turn = limited(6 * availableParallelism());
const test = (title: string, body: (t: ExecutionContext) => Promise<unknown>) =>
  avaTest(title, (t) => turn(() => body(t)));

/** `unix-*`: a TCP-like stream over a UNIX socket (--path, no --host/--port): see the end. */
type Kind =
  | 'tcp-server'
  | 'tcp-client'
  | 'udp-server'
  | 'udp-client'
  | 'unix-server'
  | 'unix-client'
  | 'tcp-room' // the chat room (20): its own bad clients, see the end
  | 'http-server' // 27: its bad requests are tried in test/27-28-http.test.ts
  | 'http-client' // 28: a TCP client whose server must answer in HTTP
  | 'redis-room' // 29: 20's room through Redis; here only what it does before it links to Redis
  | 'tool';

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
  /** A TCP client's server: what it sends back before it hangs up (default: nothing). */
  answer?: string;
  /** A client's prompt, or none for a client that types nothing (it sends and ends). */
  prompt?: string;
  /** A chat that notices, while it waits at the keyboard, that its peer hung up: what it says. */
  hangsUp?: string;
  /** A connected UDP client: the kernel says "no server", except to Deno (see lesson 09). */
  connected?: boolean;
  /** A UDP server: a normal request and the answer that proves it still serves. */
  request?: string;
  reply?: RegExp;
  /** A UDP client of an echo (a ping): what it prints when each request was answered, once. */
  answered?: RegExp;
  /** Extra flags for every start (a UDP client's short --timeout). */
  args?: string[];
}

const text = (message: Buffer) => message.toString('utf8');
const rows: Row[] = [
  { script: '00-ip-address.ts', kind: 'tool' },
  {
    script: '01-tcp-server.ts',
    kind: 'tcp-server',
    shows: text,
    answers: repeat('ok', 64),
    hangsUp: '(the client closed the connection)',
  },
  {
    script: '02-tcp-client.ts',
    kind: 'tcp-client',
    firstLine: 'hello',
    prompt: '>>>',
    hangsUp: '(the server closed the connection)',
  },
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
    hangsUp: '(the client closed the connection)',
  },
  {
    script: '07-tcp-multi-client.ts',
    kind: 'tcp-client',
    firstLine: 'hello',
    prompt: '>>>',
    hangsUp: '(the server closed the connection)',
  },
  { script: '03-udp-server.ts', kind: 'udp-server', request: 'hello', reply: /^HELLO$/ },
  { script: '04-udp-client.ts', kind: 'udp-client', prompt: '>>: ', args: ['--timeout', '0.3'] },
  {
    script: '08-udp-chat-server.ts',
    kind: 'udp-server',
    answers: repeat('ok', 8),
    request: 'hello',
    reply: /^ok$/,
  },
  { script: '09-udp-chat-client.ts', kind: 'udp-client', prompt: 'client:', connected: true },
  { script: '10-udp-time-server.ts', kind: 'udp-server', request: '%Y', reply: /^\d{4}$/ },
  {
    script: '11-udp-time-client.ts',
    kind: 'udp-client',
    prompt: '>>>',
    args: ['--timeout', '0.3'],
  },
  {
    script: '22-udp-ping-server.ts',
    kind: 'udp-server',
    request: 'ping 1 1',
    reply: /^PING 1 1$/,
    args: ['--loss', '0'], // it loses 30 % by default: these cases need every answer
  },
  {
    script: '23-udp-ping-client.ts',
    kind: 'udp-client',
    answered: /^2 sent, 2 received, 0% loss$/m,
    // Each answer comes back in a millisecond or so; the 5 s are for a machine so busy that the
    // test's own thread, which plays the echo, is late to send it.
    args: ['--count', '2', '--interval', '0.05', '--timeout', '5'],
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
    hangsUp: '(the client closed the connection)',
  },
  {
    script: '17-framed-client.ts',
    kind: 'tcp-client',
    firstLine: 'hello',
    prompt: '>>>',
    hangsUp: '(the server closed the connection)',
  },
  {
    script: '18-unix-server.ts',
    kind: 'unix-server',
    shows: text,
    answers: repeat('ok', 64),
    hangsUp: '(the client closed the connection)',
  },
  {
    script: '19-unix-client.ts',
    kind: 'unix-client',
    firstLine: 'hello',
    prompt: '>>>',
    hangsUp: '(the server closed the connection)',
  },
  { script: '20-chat-room-server.ts', kind: 'tcp-room' },
  { script: '21-chat-room-client.ts', kind: 'tcp-client', firstLine: 'ann' }, // no prompt in a pipe
  { script: '29-chat-room-redis.ts', kind: 'redis-room' }, // the rest: test/redis/29.test.ts
  // A UDP server that takes no requests, and whose stdout may be the file: its bad datagrams,
  // ports and hosts are tried in test/24-25-rdt.test.ts. Here, its flags.
  { script: '24-rdt-receiver.ts', kind: 'tool' },
  { script: '25-rdt-sender.ts', kind: 'udp-client', args: ['--give-up', '0.5'] }, // Deno waits it out
  { script: '26-tcp-vs-udp.ts', kind: 'tool' },
  { script: '27-http-server.ts', kind: 'http-server' },
  {
    script: '28-http-client.ts',
    kind: 'http-client',
    answer: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  },
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
const servers = is('tcp-server', 'udp-server', 'tcp-room', 'http-server');
const sockets = [...servers, ...is('tcp-client', 'udp-client', 'http-client', 'redis-room')]; // --host
const unix = (row: Row) => row.kind === 'unix-server' || row.kind === 'unix-client';
/** Where a TCP client test's server listens: loopback, or for a UNIX client the test's path. */
const peer = (t: ExecutionContext, row: Row, onConnection: (socket: Socket) => void) =>
  peerServer(t, onConnection, unix(row) ? socketPath(t) : undefined);
/** `test` for a case that needs TCP itself (IPv6, an RST): none for a UNIX socket's row. */
const overTcp = (row: Row) => (unix(row) ? () => {} : test);

// ---- every script: flags ---------------------------------------------------------------------

for (const row of rows) {
  // An unknown flag and a value that looks like one ('--port -1') are the same path, parseArgs'
  // own error: --bogus stands for both. Then a port that is not a number, and one out of range.
  const bad = [['--bogus'], ['--port', 'abc'], ['--port', '70000']];
  if (unix(row)) bad.push(['--path', ''], ['--path', `/tmp/${'x'.repeat(103)}`]); // 108 bytes
  for (const args of bad) {
    test(`${row.script} ${args.join(' ')}: one usage line, exit 2`, async (t) => {
      const done = await start(t, row.script, { args, input: [] });
      t.is(done.exitCode, 2);
      t.true(done.stderr.includes(usagePrefix(scriptPath(row.script))), done.stderr);
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

// 29 listens before it links to Redis: a port in use or a bad --host is found with no Redis.
for (const row of [...servers, ...is('redis-room')]) {
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
}

for (const row of [...servers, ...is('unix-server')]) {
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

/** After a bad client, a server that keeps serving must still serve a good one. */
async function stillServes(t: ExecutionContext, row: Row, s: Server) {
  const message = Buffer.from('still there?');
  const good = await dial(t, s);
  good.write(row.wire?.(message) ?? message);
  await waitFor(s.proc, row.shows?.(message) ?? '');
  t.pass('served the next client');
}

for (const row of is('tcp-server', 'unix-server')) {
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

  overTcp(row)(`${row.script} --host ::1: listens on [::1] and serves over IPv6`, async (t) => {
    const s = await server(t, row.script, { args: ['--host', '::1'], input: row.answers ?? [] });
    t.is(s.address, `[::1]:${s.port}`);
    const peer = await dial(t, s, '::1');
    const message = Buffer.from('over IPv6');
    peer.write(wire(message));
    if (row.printsAtEnd) peer.end();
    await waitFor(s.proc, shows(message));
    peer.end();
  });

  overTcp(row)(`${row.script}: a client that resets before sending anything`, async (t) => {
    const s = await server(t, row.script, { input: row.answers ?? [] });
    (await dial(t, s)).resetAndDestroy();
    await ends(t, s, 1);
  });

  test(`${row.script}: a client that closes cleanly before sending anything`, async (t) => {
    const s = await server(t, row.script, { input: row.answers ?? [] });
    (await dial(t, s)).end();
    await ends(t, s, 0);
  });

  overTcp(row)(`${row.script}: a client that resets after its message`, async (t) => {
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

  if (row.hangsUp) {
    test(`${row.script}: a client that leaves while it waits at the keyboard is noticed at once`, async (t) => {
      const s = await server(t, row.script); // stdin open: nothing is ever typed
      const peer = await dial(t, s);
      const message = Buffer.from('hello');
      peer.write(wire(message));
      await waitFor(s.proc, shows(message));
      await waitFor(s.proc, '>>>'); // its prompt: now it waits for a typed line
      peer.end();
      await waitFor(s.proc, `\n${row.hangsUp}`);
      if (row.keepsServing) return stillServes(t, row, s);
      const done = await s.proc;
      t.is(done.exitCode, 0, done.stderr);
      t.true(done.stdout.endsWith(`\n${row.hangsUp}`), done.stdout);
      t.is(done.stderr, '');
    });
  }

  if (row.readsOnce) continue; // the next two cases need a server that reads all it is sent

  test(`${row.script}: a character split across two reads comes out whole`, async (t) => {
    const s = await server(t, row.script, { input: row.answers ?? [] });
    const peer = await dial(t, s);
    const message = Buffer.from('你好, 世界');
    const bytes = wire(message);
    peer.write(bytes.subarray(0, bytes.length - 8)); // cuts 界 (3 bytes) and 世 (3 bytes)
    await pause(50); // a gap, so the reads are two
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
    let at = 0; // where the printed text first differs from the message, to show on a failure
    while (at < printed.length && printed[at] === message.toString('latin1', at, at + 1)) at++;
    const there = JSON.stringify(printed.slice(Math.max(0, at - 20), at + 40));
    t.is(printed.length, message.length, `every byte (first difference at ${at}: ${there})`);
    t.true(printed === message.toString(), 'in order');
    peer.end();
  });
}

// ---- TCP clients: bad servers ----------------------------------------------------------------

for (const row of is('tcp-client', 'unix-client', 'http-client')) {
  const args = row.args ?? [];
  test(`${row.script} with nothing listening: says to start the server, exit 1`, async (t) => {
    const done = await client(t, row.script, { port: await freePort() }, { args, input: ['hi'] });
    const server = row.script.replace(/^(\d\d)/, (n) => String(Number(n) - 1).padStart(2, '0'));
    const partner = readdirSync(`${root}scripts`).find((f) => f.startsWith(server.slice(0, 3)));
    failsWithOneLine(
      t,
      done,
      new RegExp(`^nothing is listening on (127\\.0\\.0\\.1:\\d+|/\\S+) — start ${partner} first$`),
    );
  });

  overTcp(row)(`${row.script} --host ::1: connects over IPv6`, async (t) => {
    let got = '';
    const at = await peerServer(
      t,
      (socket) =>
        socket.on('data', (d) => {
          got += d;
          socket.end(row.answer ?? ''); // hang up: the client ends cleanly
        }),
      '::1',
    );
    const done = await client(t, row.script, at, {
      args: [...args, '--host', '::1'],
      input: ['hi'],
    });
    // A client that sends and leaves (13, 15) may exit before this process has read its bytes.
    await until(() => got, /./, 'the server over ::1');
    t.is(done.exitCode, 0, done.stderr);
  });

  if (row.prompt) {
    overTcp(row)(`${row.script}: the server resets while it waits for typed input`, async (t) => {
      const at = await peerServer(t, (socket) => socket.resetAndDestroy());
      const c = client(t, row.script, at, { args }); // stdin open and empty: it waits to be typed to
      failsWithOneLine(t, await c, /reset/);
    });

    test(`${row.script}: end of input at the prompt ends it cleanly`, async (t) => {
      const at = await peer(t, row, () => {});
      const done = await client(t, row.script, at, { args, input: [] });
      t.is(done.exitCode, 0);
      t.is(done.stderr, '');
    });
  }

  if (row.firstLine) {
    overTcp(row)(`${row.script}: the server resets while it waits for the answer`, async (t) => {
      const at = await peerServer(t, (socket) =>
        socket.once('data', () => socket.resetAndDestroy()),
      );
      const c = client(t, row.script, at, { args, input: [row.firstLine ?? ''] });
      failsWithOneLine(t, await c, /reset/);
    });

    test(`${row.script}: the server closes cleanly while it waits for the answer`, async (t) => {
      const at = await peer(t, row, (socket) => socket.once('data', () => socket.end()));
      const done = await client(t, row.script, at, { args, input: [row.firstLine ?? '', 'more'] });
      t.is(done.exitCode, 0);
      t.regex(done.stdout, /\(the server closed the connection\)$/);
      t.is(done.stderr, '');
    });
  }

  if (row.hangsUp) {
    test(`${row.script}: a server that leaves while it waits at the keyboard is noticed at once`, async (t) => {
      const at = await peer(t, row, (socket) => socket.end());
      const done = await client(t, row.script, at, { args }); // stdin open: nothing is ever typed
      t.is(done.exitCode, 0, done.stderr);
      t.true(done.stdout.endsWith(`>>>\n${row.hangsUp}`), done.stdout);
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
    const args = ['--host', '::1', ...(row.args ?? [])];
    const s = await server(t, row.script, { args, input: row.answers ?? [] });
    t.is(s.address, `[::1]:${s.port}`);
    const reply = await sendDatagram({ host: '::1', port: s.port }, row.request ?? '');
    t.regex(String(reply), row.reply ?? /./);
  });

  for (const [what, datagram] of bad) {
    test(`${row.script}: ${what} does not stop it; the next request is answered`, async (t) => {
      const s = await server(t, row.script, { args: row.args ?? [], input: row.answers ?? [] });
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
  const untold = row.connected && RUNNER === 'deno'; // Deno's node:dgram never connects in the kernel
  test(`${row.script} with no server: ${untold ? 'waits, never told' : 'one line, exit 1, no hang'}`, async (t) => {
    const to = { port: await freePort('udp') };
    const c = client(t, row.script, to, { args, input: ['hi'] });
    if (!untold) return failsWithOneLine(t, await c, /./);
    // The one documented exception (lesson 09): no refusal reaches it, so it waits for an
    // answer as the listing does, until Ctrl+C. Elsewhere the refusal comes within milliseconds.
    await waitFor(c, row.prompt ?? '');
    await pause(500);
    t.is(c.exitCode, null, 'still waiting for the answer');
    c.kill('SIGINT');
    const done = await c;
    t.is(done.signal, 'SIGINT');
    t.is(done.stderr, '');
  });

  if (!row.prompt) continue; // a client that reads no input (a ping)
  test(`${row.script}: end of input at the prompt ends it cleanly`, async (t) => {
    const done = await client(t, row.script, { port: await freePort('udp') }, { args, input: [] });
    t.is(done.exitCode, 0);
    t.is(done.stderr, '');
  });

  test(`${row.script}: a line too long for one datagram gets its own line, exit 1`, async (t) => {
    const line = 'x'.repeat(65_508); // one byte more than a UDP datagram carries over IPv4
    const to = { port: await freePort('udp') };
    const done = await client(t, row.script, to, { args, input: [line] });
    failsWithOneLine(t, done, /too long for one datagram/);
  });
}

// ---- UDP clients of an echo (a ping): bad answers -----------------------------------------------

/** The right answer to a request: the echo's, upper-cased. */
const upper = (request: Buffer) => Buffer.from(request.toString().toUpperCase());
/** What a test-played echo sends for each request, before the right answer. */
const badAnswers: [string, (request: Buffer) => (string | Buffer)[]][] = [
  ['a datagram of the wrong shape', () => ['garbage', 'PING', 'PING x y']],
  ['an unknown type', (request) => [`PONG${upper(request).subarray(4)}`]],
  [
    'a sequence number far out of range',
    (request) => [`${upper(request)}`.replace(/ \d+ /, ` ${'9'.repeat(30)} `), 'PING 0 0'],
  ],
  [
    'empty, invalid UTF-8 and the largest datagram',
    () => [Buffer.alloc(0), Buffer.from([0xff, 0xfe, 0x50]), Buffer.alloc(65_507, 'P')],
  ],
  // 100 copies: two pings' floods (202 datagrams, ~830 bytes of buffer each) fit the client's
  // 208 KiB receive buffer, so a slow test machine loses none of them to the kernel.
  ['a flood of duplicates', (request) => repeat('', 100).map(() => upper(request))],
];

for (const row of is('udp-client').filter((r) => r.answered)) {
  for (const [what, bad] of badAnswers) {
    test(`${row.script}, answered with ${what}: ignored, each answer counted once`, async (t) => {
      const echo = await udpSocket(t);
      echo.on('message', (request: Buffer, from) => {
        for (const d of [...bad(request), upper(request)]) echo.send(d, from.port, from.address);
      });
      const done = await client(t, row.script, echo.address(), { args: row.args ?? [] });
      t.is(done.exitCode, 0, done.stderr);
      t.is(done.stderr, '');
      t.regex(done.stdout, row.answered ?? /./);
      assertNoStack(t, done);
    });
  }
}

// ---- every client: signals at the prompt ------------------------------------------------------

for (const row of is('tcp-client', 'unix-client', 'udp-client').filter((r) => r.prompt)) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${row.script}: ${signal} while waiting for typed input ends it quietly`, async (t) => {
      const at = row.kind === 'udp-client' ? { port: 9 } : await peer(t, row, () => {});
      const c: Proc = client(t, row.script, at, { args: row.args ?? [] });
      await waitFor(c, row.prompt ?? '');
      c.kill(signal);
      const done = await c;
      t.is(done.signal, signal);
      t.is(done.stderr, '');
    });
  }
}

// ---- UNIX sockets: a reset ------------------------------------------------------------------

// AF_UNIX has no RST. A UNIX socket closed with bytes still unread in it gives its peer
// ECONNRESET; closed with all read, it is a clean close (the cases above). So the peer here
// leaves in the middle of a long message: the rest is unread (ECONNRESET) or not yet sent
// (EPIPE), and either way the script says so in one line, exit 1.
const long = 'x'.repeat(2 ** 20);

for (const row of is('unix-server')) {
  test(`${row.script}: a client that leaves with the answer half read`, async (t) => {
    const s = await server(t, row.script, { input: [long] });
    const half = await dial(t, s);
    half.once('data', () => half.destroy()); // the first piece of the answer, then gone
    half.write('hello');
    failsWithOneLine(t, await s.proc, /reset|went away/);
  });
}

for (const row of is('unix-client')) {
  test(`${row.script}: a server that leaves with the message half read`, async (t) => {
    const at = await peer(t, row, (socket) => socket.once('data', () => socket.destroy()));
    failsWithOneLine(t, await client(t, row.script, at, { input: [long] }), /reset|went away/);
  });
}

// ---- the chat room (20): a bad client, a watcher already in the room, then a good client -------
// The cases live in room-cases.ts: lesson 29's room, a copy of 20's rules, runs them too (with a
// Redis of its own, in npm run test:redis).

for (const row of is('tcp-room')) roomMatrix(test, row.script);
