import { once } from 'node:events';
import type { Socket } from 'node:net';
import test from 'ava';
import {
  assertNoStack,
  client,
  dial,
  listenBacklog,
  type Proc,
  RUNNER,
  scriptPath,
  server,
  settled,
  start,
  tcpSockets,
  usagePrefix,
  waitFor,
} from './harness.ts';
import { checkTranscript } from './transcript.ts';

const SERVER = '06-tcp-multi-server.ts';
const CLIENT = '07-tcp-multi-client.ts';

/** Resolve once the process has printed `text` on stderr. Call it before the cause happens. */
function stderrFor(proc: Proc, text: string): Promise<void> {
  let seen = '';
  return new Promise((resolve) => {
    proc.stderr.on('data', (chunk: Buffer) => {
      seen += chunk;
      if (seen.includes(text)) resolve();
    });
  });
}

test('lesson 06 transcript matches a real run', (t) =>
  checkTranscript(t, '06-tcp-multi-server', [['hi, first one', 'hi, second one']]));

test('lesson 07 transcript matches a real run', (t) =>
  checkTranscript(t, '07-tcp-multi-client', [['fine, thanks'], ['how are you?']]));

test('three clients started together are served one at a time, in arrival order; bye ends the server', async (t) => {
  const s = await server(t, SERVER, { input: ['answer 1', 'answer 2', 'answer 3'] });
  const lines = ['from Ana', 'from Bo', 'from Cy'];
  const clients = await Promise.all(lines.map((line) => client(t, CLIENT, s, { input: [line] })));

  const answerOf = new Map<string, string>();
  for (const [i, c] of clients.entries()) {
    t.is(c.exitCode, 0, lines[i]);
    const m = /^请输入>>>(answer \d)\n\(the server closed the connection\)$/.exec(c.stdout);
    t.truthy(m, `${lines[i]} got: ${JSON.stringify(c.stdout)}`);
    answerOf.set(lines[i] ?? '', m?.[1] ?? '');
  }

  const bye = await client(t, CLIENT, s, { input: ['bye'] });
  t.is(bye.exitCode, 0);
  t.is(bye.stdout, '请输入>>>'); // it sent bye and left without waiting for an answer
  const done = await s.proc;
  t.is(done.exitCode, 0);
  const served = [...done.stdout.matchAll(/收到 (.+)\n请输入>>>/g)].map(([, line]) => line);
  t.deepEqual([...served].sort(), [...lines].sort(), 'each client was served exactly once');
  served.forEach((line, k) => {
    t.is(answerOf.get(line ?? ''), `answer ${k + 1}`, `the client served #${k + 1} got its answer`);
  });
  t.is(done.stdout.split('\n').length, 1 + 3 + 1, 'nothing printed after bye');
});

test('Node accepts at once: 8 clients connect past listen(3) and the kernel queue stays empty', async (t) => {
  const s = await server(t, SERVER); // stdin stays open: the server waits at its first prompt
  t.is(listenBacklog(s.port), RUNNER === 'bun' ? 512 : 3); // Bun's node:net passes 512, always
  const peers: Socket[] = [];
  for (let k = 1; k <= 8; k++) {
    const peer = await dial(t, s);
    peer.write(`client ${k}`);
    peers.push(peer);
  }
  await waitFor(s.proc, '收到 client 1\n请输入>>>');
  // IPv4 only: a server of another test may listen on ::1 with the same port number. And only the
  // connections of these 8 clients: another test's client, dialling a port its own server has let
  // go, may reach this server when the kernel has given that port number to it (9 seen, not 8).
  const ours = () => tcpSockets(s.port, { ipv6: false });
  const clients = new Set(peers.map((peer) => peer.localPort));
  const listener = () => ours().find((x) => x.state === 'LISTEN');
  const accepted = () =>
    ours().filter(
      (x) => x.localPort === s.port && clients.has(x.remotePort) && x.state === 'ESTABLISHED',
    );
  await settled(() => listener()?.rxQueue === 0 && accepted().length === 8);
  t.is(listener()?.rxQueue, 0, 'no connection is left in the kernel accept queue');
  const seen = accepted();
  t.is(
    seen.length,
    8,
    `all 8 connections are established on the server side: ${JSON.stringify(seen)}`,
  );

  const answers = peers.map(async (peer) => String((await once(peer, 'data'))[0]));
  for (let k = 1; k <= 8; k++) s.proc.stdin.write(`answer ${k}\n`);
  t.deepEqual(
    await Promise.all(answers),
    peers.map((_, i) => `answer ${i + 1}`),
  );
  t.regex(await waitFor(s.proc, '收到 client 8\n'), /收到 client 7\n请输入>>>收到 client 8\n/);
});

test('end of input at the server prompt closes the served and the waiting client, exit 0', async (t) => {
  const s = await server(t, SERVER);
  const first = client(t, CLIENT, s, { input: ['from A'] });
  await waitFor(s.proc, '收到 from A\n请输入>>>');
  const second = client(t, CLIENT, s, { input: ['from B'] });
  await waitFor(second, '请输入>>>');
  await settled(
    () => tcpSockets(s.port, { ipv6: false }).find((x) => x.state === 'LISTEN')?.rxQueue === 0,
  );
  s.proc.stdin.end();
  for (const c of [await first, await second]) {
    t.is(c.exitCode, 0);
    t.is(c.stdout, '请输入>>>(the server closed the connection)');
  }
  const done = await s.proc;
  t.is(done.exitCode, 0);
  t.is(done.stdout, `listening on 127.0.0.1:${s.port}\n收到 from A\n请输入>>>`);
});

test('a client that sends more after its message, then leaves at the prompt, is noticed at once', async (t) => {
  // As nc does when a student types two lines and presses Ctrl+C: the end comes behind bytes the
  // server never reads, and must not wait there until someone types an answer for nobody.
  const s = await server(t, SERVER); // stdin open: nothing is typed
  const peer = await dial(t, s);
  peer.write('first\n');
  await waitFor(s.proc, '收到 first\n\n请输入>>>');
  peer.write('second\n');
  peer.end();
  await waitFor(s.proc, '请输入>>>\n(the client closed the connection)\n');
  const next = client(t, CLIENT, s, { input: ['next one'] });
  await waitFor(s.proc, '收到 next one\n请输入>>>');
  s.proc.stdin.end('served\n');
  t.is((await next).stdout, '请输入>>>served\n(the server closed the connection)');
});

test('a client that leaves, before its message or at the prompt, does not stop the server; empty lines are not sent', async (t) => {
  const s = await server(t, SERVER); // stdin open: nothing is typed until the end
  const lost = stderrFor(s.proc, 'a client went away (ECONNRESET) — the server goes on');

  const silent = await client(t, CLIENT, s, { input: [] }); // end of input at its prompt
  t.is(silent.exitCode, 0);
  t.is(silent.stdout, '请输入>>>');
  await waitFor(s.proc, '(the client closed the connection)\n');

  // Served, then gone while the server waits at the keyboard: it stops asking and serves the
  // next client at once, by a reset and by a clean close, with no line typed.
  for (const leave of ['reset', 'close'] as const) {
    const peer = await dial(t, s);
    peer.write(`${leave} at the prompt`);
    await waitFor(s.proc, `收到 ${leave} at the prompt\n请输入>>>`);
    if (leave === 'reset') peer.resetAndDestroy();
    else peer.end();
  }
  await lost;

  // an empty line is sent by neither side: each asks again; no typed line was lost meanwhile
  const next = client(t, CLIENT, s, { input: ['', 'still there?'] });
  await waitFor(s.proc, '收到 still there?\n');
  s.proc.stdin.write('\nyes\n');
  t.is((await next).stdout, '请输入>>>请输入>>>yes\n(the server closed the connection)');
  const seen = await waitFor(s.proc, '请输入>>>请输入>>>');
  t.true(
    seen.endsWith(
      [
        '收到 reset at the prompt\n请输入>>>\n收到 close at the prompt',
        '请输入>>>\n(the client closed the connection)\n收到 still there?\n请输入>>>请输入>>>',
      ].join('\n'),
    ),
    seen,
  );
  s.proc.kill('SIGINT');
  const done = await s.proc;
  t.is(done.stderr, 'a client went away (ECONNRESET) — the server goes on');
  assertNoStack(t, done);
});

test('--help prints each usage', async (t) => {
  const [help6, help7] = await Promise.all([
    start(t, SERVER, { args: ['--help'] }),
    start(t, CLIENT, { args: ['--help'] }),
  ]);
  t.is(help6.stdout, `${usagePrefix(scriptPath(SERVER))}[--host 127.0.0.1] [--port 8088]`);
  t.is(help7.stdout, `${usagePrefix(scriptPath(CLIENT))}[--host 127.0.0.1] [--port 8088]`);
});
