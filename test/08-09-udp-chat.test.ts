import { once } from 'node:events';
import test from 'ava';
import {
  client,
  scriptPath,
  sendDatagram,
  server,
  start,
  udpSocket,
  usagePrefix,
  waitFor,
} from './harness.ts';
import { checkTranscript } from './transcript.ts';

const SERVER = '08-udp-chat-server.ts';
const CLIENT = '09-udp-chat-client.ts';
const yellow = (text: string) => `\x1b[33m来自client的消息 :${text}\x1b[0m`;

test("the server's bye ends a client, the server goes on; a client's bye ends the server", async (t) => {
  const s = await server(t, SERVER, { input: ['hello, client', '', 'bye'] });
  const first = await client(t, CLIENT, s, { input: ['hi', 'second', 'third', 'never sent'] });
  t.is(first.exitCode, 0);
  t.is(
    first.stdout,
    'client:hello, client\nclient:\nclient:',
    'an empty answer prints an empty line',
  );
  t.is(s.proc.exitCode, null, 'still serving');
  const second = await client(t, CLIENT, s, { input: ['bye'] });
  t.is(second.exitCode, 0);
  t.is(second.stdout, 'client:', 'the server answered bye, so the client ended');
  const done = await s.proc;
  t.is(done.exitCode, 0);
  const ports = [...done.stdout.matchAll(/消息地址: \('127\.0\.0\.1', (\d+)\)/g)].map((m) => m[1]);
  t.is(ports.length, 4);
  t.is(new Set(ports).size, 2, 'two clients, two addresses');
  const from = "消息地址: ('127.0.0.1', P)";
  t.is(
    done.stdout.replace(/'127\.0\.0\.1', \d+/g, "'127.0.0.1', P"),
    [
      `listening on 127.0.0.1:${s.port}`,
      from,
      yellow('hi'),
      `>>>${from}`,
      yellow('second'),
      `>>>${from}`,
      yellow('third'),
      `>>>${from}`, // the second client's bye: not printed, answered with bye
    ].join('\n'),
  );
});

test('lesson 08 transcript matches a real run', (t) =>
  checkTranscript(t, '08-udp-chat-server', [['hello, client'], ['hi', 'bye']]));

test('lesson 09 transcript matches a real run', (t) =>
  checkTranscript(t, '09-udp-chat-client', [
    ['hello', 'bye'],
    ['你好', 'time to go?'],
  ]));

test('the client sends the listing bytes: ESC[33m prefix, the line, ESC[0m', async (t) => {
  const peer = await udpSocket(t); // plays the server
  const c = client(t, CLIENT, peer.address(), { input: ['héllo'] });
  const [data, from] = await once(peer, 'message');
  t.deepEqual(data, Buffer.from(yellow('héllo')));
  peer.send('bye', from.port, from.address);
  t.is((await c).exitCode, 0);
});

test('the client waits for an answer longer than the other clients would (no timeout)', async (t) => {
  const peer = await udpSocket(t);
  const c = client(t, CLIENT, peer.address(), { input: ['are you there?'] });
  const [, from] = await once(peer, 'message');
  await new Promise((wait) => setTimeout(wait, 2500)); // longer than 04 and 11 wait by default
  t.is(c.exitCode, null);
  peer.send('yes', from.port, from.address);
  peer.send('bye', from.port, from.address);
  const done = await c;
  t.is(done.stdout, 'client:yes\nclient:');
});

test("end of input ends a client alone; a Python client's plain bye ends the server", async (t) => {
  const s = await server(t, SERVER);
  const c = await client(t, CLIENT, s, { input: [] });
  t.is(c.exitCode, 0);
  t.is(c.stdout, 'client:');
  t.is(s.proc.exitCode, null);
  t.deepEqual(await sendDatagram(s, 'bye'), Buffer.from('bye'));
  t.is((await s.proc).exitCode, 0);
});

test('end of input at the server prompt says bye to the client and stops', async (t) => {
  const s = await server(t, SERVER, { input: [] });
  const c = await client(t, CLIENT, s, { input: ['hi', 'more'] });
  t.is(c.exitCode, 0);
  t.is(c.stdout, 'client:');
  const done = await s.proc;
  t.is(done.exitCode, 0);
  t.regex(done.stdout, /\n>>>\n$|\n>>>$/);
});

test('08 keeps serving after empty, invalid UTF-8 and oversized datagrams', async (t) => {
  const s = await server(t, SERVER, { input: ['a1', 'a2', 'a3', 'a4'] });
  t.deepEqual(await sendDatagram(s, Buffer.alloc(0)), Buffer.from('a1'));
  t.deepEqual(await sendDatagram(s, Buffer.from([0xff, 0x68, 0x69])), Buffer.from('a2'));
  t.deepEqual(await sendDatagram(s, 'x'.repeat(60_000)), Buffer.from('a3'));
  t.deepEqual(await sendDatagram(s, yellow('still there?')), Buffer.from('a4'));
  const seen = await waitFor(s.proc, 'still there?');
  t.true(seen.includes(')\n\n>>>消息地址'), 'the empty datagram: an empty line');
  t.true(seen.includes(')\n\ufffdhi\n>>>'), 'the byte that is not UTF-8 as U+FFFD');
  t.true(seen.includes(`)\n${'x'.repeat(1024)}\n>>>`), 'recvfrom(1024): the first 1024 bytes');
  t.false(seen.includes('x'.repeat(1025)));
  t.is(s.proc.exitCode, null);
});

test('--host ::1 works for the pair', async (t) => {
  const s = await server(t, SERVER, { args: ['--host', '::1'], input: ['bye'] });
  t.is(s.address, `[::1]:${s.port}`);
  const c = await client(t, CLIENT, s, { args: ['--host', '::1'], input: ['hi'] });
  t.is(c.stdout, 'client:');
  t.regex(await waitFor(s.proc, '>>>'), /^消息地址: \('::1', \d+, 0, 0\)$/m);
});

test('--help and a bad flag', async (t) => {
  const help = await start(t, CLIENT, { args: ['--help'] });
  t.is(help.stdout, `${usagePrefix(scriptPath(CLIENT))}[--host 127.0.0.1] [--port 8888]`);
  const bad = await start(t, SERVER, { args: ['--port', 'x'] });
  t.is(bad.exitCode, 2);
  t.regex(bad.stderr, /^--port takes a number from 0 to 65535, not 'x' — usage: /);
});
