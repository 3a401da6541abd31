import { once } from 'node:events';
import test from 'ava';
import { client, dial, firstLine, server, settled, start, tcpSockets, waitFor } from './harness.ts';
import { checkTranscript } from './transcript.ts';

const SERVER = '05-tcp-reuseaddr-server.ts';
const CLIENT = '02-tcp-client.ts';

test('lesson 05 transcript matches a real run', (t) =>
  checkTranscript(t, '05-tcp-reuseaddr-server', [[], ['hello']], { open: [2] }));

test('05 closes first, its side waits in TIME_WAIT, and a restart on the same port still binds', async (t) => {
  const s = await server(t, SERVER);
  const c = client(t, CLIENT, s); // stdin stays open: the client hangs up only after the server
  c.stdin.write('hello\n');
  const done = await s.proc;
  t.is(done.exitCode, 0);
  t.is(done.stdout, `listening on 127.0.0.1:${s.port}\nb'hello'`);
  await waitFor(c, 'hi\n');
  c.stdin.end(); // end of input: now the client closes its side too
  t.is((await c).exitCode, 0);

  // The side that closed first keeps the connection in TIME_WAIT: the server's, on its own port.
  const timeWait = () =>
    tcpSockets(s.port, { ipv6: false }).some(
      (x) => x.localPort === s.port && x.state === 'TIME_WAIT',
    );
  await settled(timeWait);
  t.true(timeWait(), `no TIME_WAIT socket on port ${s.port}`);

  const again = start(t, SERVER, { args: ['--port', String(s.port)] });
  t.is(await firstLine(again), `listening on 127.0.0.1:${s.port}`);
  t.true(timeWait(), 'the old connection was still in TIME_WAIT when the new server bound');
});

test('a second live server on the same port fails with one line, exit 1', async (t) => {
  const s = await server(t, SERVER);
  const second = await start(t, SERVER, { args: ['--port', String(s.port)] });
  t.is(second.exitCode, 1);
  t.is(second.stdout, '');
  t.is(
    second.stderr,
    `127.0.0.1:${s.port} is already in use — stop the other server or choose another --port`,
  );
});

/** What Python 3.11's print() shows for each payload (checked by hand with python3). */
const PYTHON_REPR: [string, Buffer, string][] = [
  ['non-ASCII (UTF-8 of 你好)', Buffer.from('你好'), "b'\\xe4\\xbd\\xa0\\xe5\\xa5\\xbd'"],
  ["a ' only: double quotes", Buffer.from("it's"), `b"it's"`],
  ['a " only: single quotes', Buffer.from('say "hi"'), `b'say "hi"'`],
  ["both quotes: \\'", Buffer.from('both \' and "'), `b'both \\' and "'`],
  ['backslash, tab, newline, CR', Buffer.from('a\\b\tc\nd\re'), "b'a\\\\b\\tc\\nd\\re'"],
  [
    'control bytes, DEL, high bytes',
    Buffer.from([0, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xff]),
    "b'\\x00\\x1f ~\\x7f\\x80\\xff'",
  ],
];

test("05 prints what arrived as Python's print(bytes) does, and answers hi", async (t) => {
  await Promise.all(
    PYTHON_REPR.map(async ([label, payload, repr], i) => {
      const host = i === 0 ? '::1' : '127.0.0.1'; // one of them over IPv6
      const s = await server(t, SERVER, { args: ['--host', host] });
      const peer = await dial(t, s, host);
      peer.end(payload);
      const [answer] = await once(peer, 'data');
      t.is(String(answer), 'hi', label);
      const done = await s.proc;
      t.is(done.stdout, `listening on ${s.address}\n${repr}`, label);
      if (host === '::1') t.is(s.address, `[::1]:${s.port}`);
    }),
  );
});

test('05 with a client that closes without a word says so, exit 0', async (t) => {
  const s = await server(t, SERVER);
  (await dial(t, s)).end();
  const done = await s.proc;
  t.is(done.exitCode, 0);
  t.is(done.stdout, `listening on 127.0.0.1:${s.port}\n(the client closed the connection)`);
});

test("05's first read takes at most 1024 bytes, as Python's recv(1024) does", async (t) => {
  const s = await server(t, SERVER);
  const peer = await dial(t, s); // it is reset: 05 leaves bytes unread
  peer.end(Buffer.alloc(200_000, 'a'));
  const done = await s.proc;
  t.is(done.stdout.split('\n')[1], `b'${'a'.repeat(1024)}'`); // on loopback, far more had arrived
});
