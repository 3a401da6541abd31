import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import test from 'ava';
import {
  assertNoStack,
  client,
  firstLine,
  freePort,
  occupiedPort,
  pause,
  scriptPath,
  sendDatagram,
  server,
  start,
  udpSocket,
  usagePrefix,
  waitFor,
} from './harness.ts';
import { checkTranscript } from './transcript.ts';

const SERVER = '03-udp-server.ts';
const CLIENT = '04-udp-client.ts';

test('03-udp-server and 04-udp-client: every line comes back upper-cased, with the address', async (t) => {
  const s = await server(t, SERVER);
  const c = await client(t, CLIENT, s, {
    input: ['hello', '  héllo, udp  ', '', "it's 100%s sure"],
  });
  t.is(c.exitCode, 0);
  const from = `('127.0.0.1', ${s.port})`;
  t.is(
    c.stdout,
    `>>: HELLO ${from}\n>>: HéLLO, UDP ${from}\n>>: >>: IT'S 100%S SURE ${from}\n>>: `,
  );
  const seen = await waitFor(s.proc, 'sure');
  const [, first = '', ...rest] = seen.trimEnd().split('\n');
  const port = /^b'hello' \('127\.0\.0\.1', (\d+)\)$/.exec(first)?.[1];
  t.truthy(port, first);
  // bytes, as Python's print(msg, addr) shows them: non-ASCII as \x escapes, quotes chosen as repr does
  t.deepEqual(rest, [
    `b'h\\xc3\\xa9llo, udp' ('127.0.0.1', ${port})`,
    `b"it's 100%s sure" ('127.0.0.1', ${port})`,
  ]);
  t.is(s.proc.exitCode, null, 'the server keeps serving');
});

test('lesson 03 transcript matches a real run', (t) =>
  checkTranscript(t, '03-udp-server', [[], ['hello', 'héllo, udp']]));

test('lesson 04 transcript matches a real run', (t) => checkTranscript(t, '04-udp-client'));

test('--host ::1: the server binds an IPv6 (udp6) socket, addresses print as 4-tuples', async (t) => {
  const s = await server(t, SERVER, { args: ['--host', '::1'] });
  t.is(s.address, `[::1]:${s.port}`);
  const c = await client(t, CLIENT, s, { args: ['--host', '::1'], input: ['hi'] });
  t.is(c.stdout, `>>: HI ('::1', ${s.port}, 0, 0)\n>>: `);
  t.regex(await waitFor(s.proc, '0, 0)\n'), /\nb'hi' \('::1', \d+, 0, 0\)\n$/);
});

test('04 with no server gives up after --timeout seconds with one line, exit 1', async (t) => {
  const port = await freePort('udp'); // one that nothing is bound to
  const done = await client(t, CLIENT, { port }, { args: ['--timeout', '0.3'], input: ['hello'] });
  t.is(done.exitCode, 1);
  t.is(done.stdout, '>>: ');
  t.is(
    done.stderr,
    `no answer from 127.0.0.1:${port} within 0.3 s — start 03-udp-server.ts first, or try again`,
  );
  assertNoStack(t, done);
});

test('UDP says nothing to an unconnected socket; a connected one gets ECONNREFUSED', async (t) => {
  const port = await freePort('udp'); // one that nothing is bound to
  const connected = createSocket('udp4');
  t.teardown(() => connected.close());
  connected.connect(port, '127.0.0.1');
  await once(connected, 'connect');
  connected.send('anyone?');
  const [err] = (await once(connected, 'error')) as [NodeJS.ErrnoException];
  t.is(err.code, 'ECONNREFUSED');
  t.is(await sendDatagram({ host: '127.0.0.1', port }, 'anyone?', 300), undefined);
});

test('03 keeps serving after empty, invalid UTF-8, oversized and largest datagrams', async (t) => {
  const s = await server(t, SERVER);
  t.deepEqual(await sendDatagram(s, Buffer.alloc(0)), Buffer.alloc(0), 'empty: an empty answer');
  const invalid = Buffer.from([0xff, 0xfe, 0x61, 0xc3]); // not UTF-8: upper() leaves such bytes
  t.deepEqual(await sendDatagram(s, invalid), Buffer.from([0xff, 0xfe, 0x41, 0xc3]));
  t.deepEqual(await sendDatagram(s, 'a'.repeat(60_000)), Buffer.from('A'.repeat(1024)));
  t.deepEqual(await sendDatagram(s, 'b'.repeat(65_507)), Buffer.from('B'.repeat(1024)));
  await t.throwsAsync(sendDatagram(s, 'c'.repeat(65_508)), { code: 'EMSGSIZE' });
  t.deepEqual(await sendDatagram(s, 'still there?'), Buffer.from('STILL THERE?'));
  const seen = await waitFor(s.proc, "b'still there?'");
  t.regex(seen, /^b'' \('127\.0\.0\.1', \d+\)$/m);
  t.regex(seen, /^b'\\xff\\xfea\\xc3' \(/m);
  t.regex(seen, /^\(read 1024 of 60000 bytes: the rest is lost\)$/m);
  t.regex(seen, /^\(read 1024 of 65507 bytes: the rest is lost\)$/m);
  t.is(s.proc.exitCode, null);
});

test('03 on a UDP port in use says so, exit 1; a TCP port of the same number is no obstacle', async (t) => {
  const { port } = (await udpSocket(t)).address();
  const done = await start(t, SERVER, { args: ['--port', String(port)] });
  t.is(done.exitCode, 1);
  t.is(
    done.stderr,
    `127.0.0.1:${port} is already in use — stop the other server or choose another --port`,
  );
  assertNoStack(t, done);
  // A TCP port taken here; its UDP twin may be another test's socket at that moment (the suite
  // runs in parallel), so a refusal that names the port is tried again with another one.
  for (let attempt = 1; ; attempt++) {
    const tcpPort = await occupiedPort(t);
    const s = start(t, SERVER, { args: ['--port', String(tcpPort)] });
    const first = await firstLine(s).catch((err: Error) => err.message);
    if (attempt < 5 && first.includes('already in use')) continue;
    t.is(first, `listening on 127.0.0.1:${tcpPort}`);
    break;
  }
});

test('two clients at once are both answered, each at its own address', async (t) => {
  const s = await server(t, SERVER);
  const [a, b] = await Promise.all([
    client(t, CLIENT, s, { input: ['one', 'two', 'three'] }),
    client(t, CLIENT, s, { input: ['uno', 'dos', 'tres'] }),
  ]);
  t.is(
    a.stdout
      .split('\n')
      .map((l) => l.split(' ')[1])
      .join(' '),
    'ONE TWO THREE ',
  );
  t.is(
    b.stdout
      .split('\n')
      .map((l) => l.split(' ')[1])
      .join(' '),
    'UNO DOS TRES ',
  );
  const seen = await waitFor(s.proc, 'tres');
  t.is(new Set(seen.match(/, \d+\)$/gm)).size, 2, 'two client ports');
});

test('04 prints any answer, from anyone; one that came while it sat at the prompt is the next', async (t) => {
  const peer = await udpSocket(t); // plays the server
  const c = client(t, CLIENT, peer.address(), { args: ['--timeout', '3'] }); // typed below
  c.stdin.write('hi\n');
  const [, from] = await once(peer, 'message');
  peer.send(Buffer.from([0xff, 0x4f, 0x4b]), from.port, from.address); // not UTF-8: U+FFFD
  await waitFor(c, ')\n>>: '); // printed, and back at the prompt
  await new Promise((sent) => peer.send('and again', from.port, from.address, sent));
  // Not a wait for readiness: the time a datagram needs to arrive while nobody asks for one.
  // recvfrom() would find it queued in the kernel; so must the script's next read.
  await pause(50);
  c.stdin.end('next\n'); // never answered: only the queued datagram can answer it
  const done = await c;
  t.is(done.exitCode, 0, done.stderr);
  const addr = `('127.0.0.1', ${peer.address().port})`;
  t.is(done.stdout, `>>: \ufffdOK ${addr}\n>>: and again ${addr}\n>>: `);
});

for (const [name, args, message] of [
  [
    CLIENT,
    ['--timeout', 'soon'],
    /^--timeout takes seconds, more than 0 and at most 3600, not 'soon' — usage: /,
  ],
  [
    CLIENT,
    ['--timeout', '0'],
    /^--timeout takes seconds, more than 0 and at most 3600, not '0' — /,
  ],
] as const) {
  test(`${name} ${args.join(' ')} is a usage error, exit 2`, async (t) => {
    const done = await start(t, name, { args: [...args] });
    t.is(done.exitCode, 2);
    t.regex(done.stderr, message);
    t.is(done.stderr.split('\n').length, 1, 'one line');
  });
}

test('04 --help names --timeout', async (t) => {
  const done = await start(t, CLIENT, { args: ['--help'] });
  t.is(done.exitCode, 0);
  t.is(
    done.stdout,
    `${usagePrefix(scriptPath(CLIENT))}[--host 127.0.0.1] [--port 9000] [--timeout 2]`,
  );
});
