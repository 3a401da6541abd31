import { once } from 'node:events';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import {
  assertNoStack,
  client,
  freePort,
  pause,
  program,
  RUNNER,
  root,
  scriptPath,
  sendDatagram,
  server,
  start,
  tempFolder,
  tsxLoader,
  udpSocket,
  usagePrefix,
  waitFor,
} from './harness.ts';
import { checkTranscript } from './transcript.ts';

const SERVER = '10-udp-time-server.ts';
const CLIENT = '11-udp-time-client.ts';
const PROMPT = '请输入想要的格式(或者直接回车默认格式):>>>';

/** Recorded from Python's time.strftime by test/fixtures/strftime.py (see there to regenerate). */
const FIXTURE = `${root}test/fixtures/strftime.json`;
const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
  zones: Record<string, Record<string, Record<string, string>>>;
};

/**
 * strftime() of every instant and format of the fixture, in each of its zones. The zone is the
 * process's own and only a main thread can change it (in a worker thread, as `npm test` runs
 * this file, process.env.TZ changes nothing), so this runs in a Node process of its own.
 */
async function strftimeInEachZone(t: ExecutionContext): Promise<typeof fixture.zones> {
  const code = `
    import { readFileSync } from 'node:fs';
    globalThis.SOCKETS_KIT_IMPORT = true; // as test/as-library.ts does
    const { strftime } = await import(${JSON.stringify(scriptPath(SERVER))});
    const fixture = JSON.parse(readFileSync(${JSON.stringify(FIXTURE)}, 'utf8'));
    const actual = {};
    for (const [zone, instants] of Object.entries(fixture.zones)) {
      process.env.TZ = zone; // a main thread applies a new TZ at once
      actual[zone] = Object.fromEntries(Object.entries(instants).map(([instant, formats]) => [
        instant,
        Object.fromEntries(Object.keys(formats).map((f) => [f, strftime(f, new Date(instant))])),
      ]));
    }
    console.log(JSON.stringify(actual));`;
  const args = ['--import', tsxLoader, '--input-type=module', '-e', code];
  const done = await program(t, process.execPath, args); // in the kit's root, time-limited
  t.is(done.exitCode, 0, done.stderr);
  return JSON.parse(done.stdout);
}

test("strftime() prints what Python's time.strftime prints, in two time zones", async (t) => {
  t.deepEqual(Object.keys(fixture.zones), ['UTC', 'Asia/Shanghai']);
  const actual = await strftimeInEachZone(t);
  for (const zone of Object.keys(fixture.zones))
    t.deepEqual(actual[zone], fixture.zones[zone], zone);
});

test('10 and 11: the time in the format asked for; an empty line sends the default', async (t) => {
  const s = await server(t, SERVER);
  const c = await client(t, CLIENT, s, { input: ['  %Y  ', '', '%%', 'BYE', 'never sent'] });
  t.is(c.exitCode, 0);
  const year = String(new Date().getFullYear());
  const [first, second, third, last, ...rest] = c.stdout.split(PROMPT).slice(1);
  t.true(first === `${year}\n` || first === `${Number(year) + 1}\n`, first);
  t.regex(
    second ?? '',
    /^你没输入格式,那就默认啦!%Y-%m-%d %H-%M-%S\n\d{4}-\d\d-\d\d \d\d-\d\d-\d\d\n$/,
  );
  t.is(third, '%\n');
  t.is(last, '', 'BYE (any case) ends the client without sending it');
  t.deepEqual(rest, []);
  t.is(s.proc.exitCode, null, 'the server keeps serving');
  t.is(await sendDatagram(s, 'bye', 500), undefined, 'a datagram "bye" stops it, unanswered');
  const done = await s.proc;
  t.is(done.exitCode, 0);
  t.is(done.stdout, `listening on 127.0.0.1:${s.port}\n%Y\n%Y-%m-%d %H-%M-%S\n%%`);
});

test('lesson 10 transcript matches a real run', (t) =>
  checkTranscript(t, '10-udp-time-server', [[], ['%H:%M:%S', '', '%A %d %B %Y, %I:%M %p', 'bye']]));

test('lesson 11 transcript matches a real run', (t) =>
  checkTranscript(t, '11-udp-time-client', [[], ['%Y-%m-%d', '%c', 'week %U of %Y', 'ByE']]));

test('11 with no server gives up after --timeout seconds with one line, exit 1', async (t) => {
  const port = await freePort('udp'); // one that nothing is bound to
  const done = await client(t, CLIENT, { port }, { args: ['--timeout', '0.2'], input: ['%Y'] });
  t.is(done.exitCode, 1);
  t.is(done.stdout, PROMPT);
  t.is(
    done.stderr,
    `no answer from 127.0.0.1:${port} within 0.2 s — start 10-udp-time-server.ts first, or try again`,
  );
  assertNoStack(t, done);
});

test('11 keeps a datagram that came while it sat at the prompt: its next read returns it', async (t) => {
  const peer = await udpSocket(t); // plays the server
  const c = client(t, CLIENT, peer.address(), { args: ['--timeout', '3'] }); // typed below
  c.stdin.write('first\n');
  const [, from] = await once(peer, 'message');
  peer.send('first answer', from.port, from.address);
  await waitFor(c, `first answer\n${PROMPT}`);
  await new Promise((sent) => peer.send('its twin', from.port, from.address, sent));
  await pause(50); // as in 03-04: time to arrive unasked
  c.stdin.end('second\n'); // never answered: only the queued datagram can answer it
  const done = await c;
  t.is(done.exitCode, 0, done.stderr);
  t.is(done.stdout, `${PROMPT}first answer\n${PROMPT}its twin\n${PROMPT}`);
});

test('10 runs when started through a symbolic link with another name', async (t) => {
  const folder = tempFolder(t, 'link');
  const link = join(folder, 'time.ts'); // ln -s …/10-udp-time-server.ts time.ts
  symlinkSync(scriptPath(SERVER), link);
  // Through tsx under the default runner: a stripped copy would not be the link itself.
  const s = await server(t, link, { cwd: folder, runner: RUNNER === 'js' ? 'tsx' : RUNNER });
  t.is(s.address, `127.0.0.1:${s.port}`);
  t.is(String(await sendDatagram(s, '%%')), '%');
});

test('hostile formats are refused with an answer shorter than the format; the server goes on', async (t) => {
  const s = await server(t, SERVER);
  const ask = async (format: string | Buffer) => String(await sendDatagram(s, format));
  const formatOver = '(refused: format over 128 bytes)';
  const answerOver = '(refused: answer over 512 bytes)';
  for (const [format, answer] of [
    ['%'.repeat(1000), formatOver],
    ['%Y'.repeat(400), formatOver],
    ['x'.repeat(60_000), formatOver],
    ['%c'.repeat(22), answerOver], // 44 bytes asking for 528
    ['%c'.repeat(21), undefined], // 42 bytes, 504 back: within the cap, 12 times the ask
  ] as const) {
    const got = await ask(format);
    if (answer) t.is(got, answer);
    else t.is(Buffer.byteLength(got), 12 * format.length);
    t.true(Buffer.byteLength(got) <= 12 * Buffer.byteLength(format));
  }
  t.is(await ask(Buffer.alloc(0)), '', 'an empty format, an empty answer');
  t.is(await ask(Buffer.from([0xff, 0x25, 0x25])), '\ufffd%', 'not UTF-8: decoded with U+FFFD');
  t.is(await ask('%'), '%', 'a lone % stays');
  t.is(await ask('a\0%%'), 'a\0%', 'a NUL byte stays (Python raises ValueError)');
  t.is(await ask('%Q %E'), '%Q %E', 'unknown directives stay as written');
  t.is(await ask('%Y'), String(new Date().getFullYear()), 'and still answering');
  t.is(s.proc.exitCode, null);
});

test('--host ::1 works for the pair', async (t) => {
  const s = await server(t, SERVER, { args: ['--host', '::1'] });
  t.is(s.address, `[::1]:${s.port}`);
  const c = await client(t, CLIENT, s, { args: ['--host', '::1'], input: ['%%'] });
  t.is(c.stdout, `${PROMPT}%\n${PROMPT}`);
});

test('--help names --timeout; a bad --timeout is a usage error', async (t) => {
  const help = await start(t, CLIENT, { args: ['--help'] });
  t.is(
    help.stdout,
    `${usagePrefix(scriptPath(CLIENT))}[--host 127.0.0.1] [--port 8888] [--timeout 2]`,
  );
  const bad = await start(t, CLIENT, { args: ['--timeout', 'never'] });
  t.is(bad.exitCode, 2);
  t.regex(
    bad.stderr,
    /^--timeout takes seconds, more than 0 and at most 3600, not 'never' — usage: /,
  );
});
