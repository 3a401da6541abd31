/**
 * Lessons 22 and 23: the UDP ping. Pings go out every few tens of milliseconds, not every second,
 * and every wait is short. The longest test is lesson 23's transcript (about 4 s, nearly all of
 * it waiting: two runs of 1.7 s and 2.1 s whose answers are held back up to 1.5 s on purpose). Its
 * seed and timings keep every pair of lines whose order depends on both processes' timers at
 * least 150 ms apart: with the old ones (gaps of 67 ms) it failed 2 runs in 8 beside three busy
 * loops on the 2 cores; with these it passed 10 in 10 so, and 8 in 8 beside six.
 * The file as a whole took 2.2 s of CPU on the shared 2-core machine.
 *
 * Where the test itself plays the server, the timeouts are wide (0.25 s and more): the test's own
 * process answers, and it is busy with the other tests of this file.
 */
import { once } from 'node:events';
import test from 'ava';
import {
  assertNoStack,
  client,
  freePort,
  RUNNER,
  server,
  start,
  udpSocket,
  waitFor,
} from './harness.ts';
import { checkTranscript } from './transcript.ts';

const SERVER = '22-udp-ping-server.ts';
const CLIENT = '23-udp-ping-client.ts';
const FAST = ['--interval', '0.02'];

/** The lines a client printed, with each round-trip time replaced by <t>. */
const shape = (stdout: string) => stdout.replace(/\d+\.\d\d/g, '<t>').split('\n');

/** mulberry32, as 22 has it: the test works out which pings a seed loses. */
function mulberry32(state: number) {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

test('lesson 22 transcript matches a real run (--seed 14 loses pings 3, 8 and 10)', (t) =>
  checkTranscript(t, '22-udp-ping-server'));

test('lesson 23 transcript matches a real run: late replies, then --timeout auto', (t) =>
  checkTranscript(t, '23-udp-ping-client'));

test('--seed decides which pings are lost: the timeouts and the summary agree with it', async (t) => {
  const s = await server(t, SERVER, { args: ['--loss', '0.5', '--seed', '2024'] });
  // 2 s: a ping the server answers is answered in a millisecond or so, unless the machine is so
  // busy that the server runs late; only the pings it loses wait that long.
  const c = await client(t, CLIENT, s, { args: [...FAST, '--count', '20', '--timeout', '2'] });
  t.is(c.exitCode, 0, c.stderr);
  const random = mulberry32(2024);
  const lost = Array.from({ length: 20 }, (_, i) => [i + 1, random() < 0.5, random()] as const)
    .filter(([, isLost]) => isLost)
    .map(([seq]) => seq);
  t.true(lost.length > 3 && lost.length < 17, `${lost}`);
  const timeouts = [...c.stdout.matchAll(/^timeout: seq=(\d+)$/gm)].map(([, n]) => Number(n));
  t.deepEqual(timeouts, lost, 'exactly the pings the server lost time out');
  const lines = c.stdout.trimEnd().split('\n');
  t.is(lines.at(-3), `--- 127.0.0.1:${s.port} ping statistics ---`);
  const loss = Math.round((100 * lost.length) / 20);
  t.is(lines.at(-2), `20 sent, ${20 - lost.length} received, ${loss}% loss`);
  t.regex(lines.at(-1) ?? '', /^rtt min\/avg\/max = \d+\.\d\d\/\d+\.\d\d\/\d+\.\d\d ms$/);
  const seen = await waitFor(s.proc, '"ping 20 ');
  t.deepEqual(
    [...seen.matchAll(/"ping (\d+) \d+": lost$/gm)].map(([, n]) => Number(n)),
    lost,
    'the server says which it lost',
  );
});

test('--loss 0: nothing is lost, every reply in order, exit 0', async (t) => {
  const s = await server(t, SERVER, { args: ['--loss', '0'] });
  const c = await client(t, CLIENT, s, { args: [...FAST, '--count', '20'] });
  t.is(c.exitCode, 0);
  t.is(c.stderr, '');
  const replies = Array.from(
    { length: 20 },
    (_, i) => `reply from 127.0.0.1:${s.port}: seq=${i + 1} time=<t> ms`,
  );
  t.deepEqual(shape(c.stdout), [
    ...replies,
    `--- 127.0.0.1:${s.port} ping statistics ---`,
    '20 sent, 20 received, 0% loss',
    'rtt min/avg/max = <t>/<t>/<t> ms',
  ]);
  t.regex(await waitFor(s.proc, '"ping 20 '), /^losing 0%, delaying up to 0 ms, seed \d+$/m);
});

test('a late reply is named late, never taken for the next ping, not counted', async (t) => {
  // The test plays the server: it holds the answer to ping 1 and sends it the moment ping 2
  // arrives, the answer a client that takes "the next datagram" would get wrong.
  const peer = await udpSocket(t);
  let held: Buffer | undefined;
  peer.on('message', (request: Buffer, from) => {
    const answer = Buffer.from(request.toString().toUpperCase());
    if (request.toString().startsWith('ping 1 ')) held = answer;
    else {
      if (held) peer.send(held, from.port, from.address);
      setTimeout(() => peer.send(answer, from.port, from.address), 20);
    }
  });
  // Ping 1 times out at 2.5 s, by the client's clock alone; its answer is sent only once ping 2
  // has come (2.6 s), so it is late however busy the machine. Ping 2's answer has 2.5 s to come
  // back from this test's own process, which is busy with other tests (1.5 s was not always
  // enough when a dozen other programs ran beside the suite).
  const args = ['--count', '2', '--interval', '2.6', '--timeout', '2.5'];
  const c = await client(t, CLIENT, peer.address(), { args });
  const { port } = peer.address();
  t.deepEqual(shape(c.stdout), [
    'timeout: seq=1',
    'late reply: seq=1 time=<t> ms',
    `reply from 127.0.0.1:${port}: seq=2 time=<t> ms`,
    `--- 127.0.0.1:${port} ping statistics ---`,
    '2 sent, 1 received, 50% loss',
    'rtt min/avg/max = <t>/<t>/<t> ms',
    'not counted: 1 late, 0 duplicate, 0 stray',
  ]);
  const late = Number(/late reply: seq=1 time=(\S+)/.exec(c.stdout)?.[1]);
  t.true(late >= 2500, `the late reply's time is counted from ping 1's own send: ${late} ms`);
  t.is(c.exitCode, 0);
});

test('strays, forgeries and a flood of duplicates are ignored; the answer counts once', async (t) => {
  const peer = await udpSocket(t);
  const other = await udpSocket(t); // a second sender, on another port
  peer.on('message', (request: Buffer, from) => {
    const answer = Buffer.from(request.toString().toUpperCase());
    const send = (d: string | Buffer) => peer.send(d, from.port, from.address);
    // First the right bytes from the wrong sender; once they are out, junk, then the answer
    // a hundred times over.
    other.send(answer, from.port, from.address, () => {
      for (const junk of [
        'garbage',
        'PONG 1 1',
        `PING ${'9'.repeat(20)} 1`,
        'PING 2 1',
        'PING 1 0',
      ]) {
        send(junk);
      }
      for (let i = 0; i < 100; i++) send(answer);
    });
  });
  // Timeouts long enough for a loaded machine: at 0.45 s, and at 1.4 s beside a dozen other
  // programs, the answer was sometimes heard late (this test's peer shares its thread with the
  // file's other tests). Ping 1's copies all leave before ping 2 comes: the peer answers in order.
  const args = ['--count', '2', '--interval', '2.6', '--timeout', '2.5'];
  const c = await client(t, CLIENT, peer.address(), { args });
  const { port } = peer.address();
  t.deepEqual(shape(c.stdout), [
    `ignored: 20 bytes from 127.0.0.1:${other.address().port}`,
    `reply from 127.0.0.1:${port}: seq=1 time=<t> ms`,
    'duplicate reply: seq=1 time=<t> ms',
    `reply from 127.0.0.1:${port}: seq=2 time=<t> ms`,
    `--- 127.0.0.1:${port} ping statistics ---`,
    '2 sent, 2 received, 0% loss',
    'rtt min/avg/max = <t>/<t>/<t> ms',
    'not counted: 0 late, 99 duplicate, 12 stray',
  ]);
  t.is(c.exitCode, 0);
  t.is(c.stderr, '');
});

test('--timeout auto: the printed RTO is RFC 6298 computed from the printed samples', async (t) => {
  const s = await server(t, SERVER, { args: ['--delay', '150', '--seed', '944'] });
  const args = ['--count', '8', '--interval', '0.05', '--timeout', 'auto'];
  const c = await client(t, CLIENT, s, { args });
  t.is(c.exitCode, 0, c.stderr);
  // Replay what the client printed through the RFC's rules, written out here a second time.
  let [rto, srtt, rttvar, samples] = [1000, 0, 0, 0];
  for (const [, what, time] of c.stdout.matchAll(
    /^(timeout|reply|late reply).*?(?:time=(\S+) ms)?$/gm,
  )) {
    if (what === 'timeout')
      rto = Math.min(2 * rto, 60_000); // (5.5)
    else {
      const r = Number(time);
      rttvar = samples ? 0.75 * rttvar + 0.25 * Math.abs(srtt - r) : r / 2;
      srtt = samples++ ? 0.875 * srtt + 0.125 * r : r;
      rto = Math.min(Math.max(srtt + Math.max(1, 4 * rttvar), 200), 60_000);
    }
  }
  t.true(samples >= 4, c.stdout);
  const [, shown, shownSrtt, shownVar] =
    /^rto = (\S+) ms \(srtt (\S+), rttvar (\S+)\)$/m.exec(c.stdout) ?? [];
  t.true(Math.abs(Number(shown) - rto) < 0.1, `rto ${shown}, recomputed ${rto}`);
  t.true(Math.abs(Number(shownSrtt) - srtt) < 0.1, `srtt ${shownSrtt}, recomputed ${srtt}`);
  t.true(Math.abs(Number(shownVar) - rttvar) < 0.1, `rttvar ${shownVar}, recomputed ${rttvar}`);
});

test('no server: every ping times out, the summary, then one line and exit 1', async (t) => {
  // Linux answers a datagram to a closed port with ICMP "port unreachable"; the client never
  // connect()s, so it hears nothing of it under any runtime (Deno would not report it anyway).
  const port = await freePort('udp');
  const c = await client(
    t,
    CLIENT,
    { port },
    { args: [...FAST, '--count', '2', '--timeout', '0.1'] },
  );
  t.is(
    c.stdout,
    `timeout: seq=1\ntimeout: seq=2\n--- 127.0.0.1:${port} ping statistics ---\n2 sent, 0 received, 100% loss`,
  );
  t.is(c.stderr, `no answer from 127.0.0.1:${port} — start 22-udp-ping-server.ts first`);
  t.is(c.exitCode, 1);
  assertNoStack(t, c);
});

test('a server that stops answering half-way: the rest time out, exit 0', async (t) => {
  const peer = await udpSocket(t);
  peer.once('message', (request: Buffer, from) => {
    peer.send(request.toString().toUpperCase(), from.port, from.address); // ping 1 only
  });
  const c = await client(t, CLIENT, peer.address(), {
    args: [...FAST, '--count', '3', '--timeout', '3'], // 0.5 s and 1.5 s missed ping 1 on busy days
  });
  t.regex(
    c.stdout,
    /seq=1 time=.*\ntimeout: seq=2\ntimeout: seq=3\n.*\n3 sent, 1 received, 67% loss\n/,
  );
  t.is(c.exitCode, 0);
});

test('--host ::1: both sides over IPv6', async (t) => {
  const s = await server(t, SERVER, { args: ['--host', '::1', '--loss', '0'] });
  t.is(s.address, `[::1]:${s.port}`);
  const c = await client(t, CLIENT, s, { args: ['--host', '::1', ...FAST, '--count', '2'] });
  t.regex(c.stdout, new RegExp(`^reply from \\[::1\\]:${s.port}: seq=2 time=`, 'm'));
  t.regex(c.stdout, new RegExp(`^--- \\[::1\\]:${s.port} ping statistics ---$`, 'm'));
  t.regex(await waitFor(s.proc, '"ping 2 '), /^\[::1\]:\d+ "ping 1 \d+": answered$/m);
});

test('Ctrl+C on the client prints the summary of the pings sent so far', async (t) => {
  const s = await server(t, SERVER, { args: ['--loss', '0'] });
  const c = client(t, CLIENT, s, { args: ['--interval', '0.05', '--count', '1000'] });
  await waitFor(c, 'seq=3 ');
  c.kill('SIGINT');
  const done = await c;
  // A ping may be on its way when Ctrl+C comes (a busy machine answers late): it counts as sent
  // and not received, as ping(8) counts it. So the summary must agree with the lines above it.
  const [, sent = 0, received = 0, loss = ''] =
    /^--- 127\.0\.0\.1:\d+ ping statistics ---\n(\d+) sent, (\d+) received, (\d+)% loss\n/m.exec(
      done.stdout,
    ) ?? [];
  const replies = done.stdout.match(/^reply from /gm)?.length ?? 0;
  t.true(Number(sent) >= 3 && Number(received) === replies, done.stdout);
  t.is(Number(loss), Math.round((100 * (Number(sent) - replies)) / Number(sent)), done.stdout);
  t.is(done.exitCode, 0, `${RUNNER}: ${done.signal ?? ''} ${done.stderr}`);
  t.is(done.stderr, '');
});

test('the server answers any datagram upper-cased, as lesson 03 does, and keeps serving', async (t) => {
  const s = await server(t, SERVER, { args: ['--loss', '0', '--delay', '30'] });
  const peer = await udpSocket(t);
  const answers = once(peer, 'message');
  peer.send(Buffer.from('héllo \x1b[31m'), s.port, '127.0.0.1');
  const [answer] = (await answers) as [Buffer];
  t.deepEqual(answer, Buffer.from('HéLLO \x1b[31M'));
  const seen = await waitFor(s.proc, 'lo ');
  t.regex(seen, /^127\.0\.0\.1:\d+ "héllo \\u001b\[31m": (answered|delayed \d+ ms)$/m, 'escaped');
});

for (const [name, args, message] of [
  [SERVER, ['--loss', '1.5'], "--loss takes a fraction from 0 to 1, not '1.5'"],
  [SERVER, ['--delay', '2.5'], "--delay takes milliseconds from 0 to 60000, not '2.5'"],
  [SERVER, ['--seed', 'abc'], "--seed takes a whole number, not 'abc'"],
  [CLIENT, ['--count', '0'], "--count takes a number from 1 to 1000000, not '0'"],
  [CLIENT, ['--interval', '0'], "--interval takes seconds from 0.001 to 3600, not '0'"],
  [
    CLIENT,
    ['--timeout', 'soon'],
    "--timeout takes seconds from 0.001 to 3600, or auto, not 'soon'",
  ],
] as const) {
  test(`${name} ${args.join(' ')}: one usage line, exit 2`, async (t) => {
    const done = await start(t, name, { args: [...args] });
    t.is(done.exitCode, 2);
    t.true(done.stderr.startsWith(`${message} — usage: `), done.stderr);
    t.is(done.stderr.split('\n').length, 1);
    t.is(done.stdout, '');
  });
}

test('--help names every flag of both', async (t) => {
  const [s, c] = await Promise.all([
    start(t, SERVER, { args: ['--help'] }),
    start(t, CLIENT, { args: ['--help'] }),
  ]);
  t.regex(
    s.stdout,
    / \[--host 127\.0\.0\.1\] \[--port 12000\] \[--loss 0\.3\] \[--delay 0\] \[--seed N\]$/,
  );
  t.regex(
    c.stdout,
    / \[--host 127\.0\.0\.1\] \[--port 12000\] \[--count 10\] \[--interval 1\] \[--timeout 1\|auto\]$/,
  );
});
