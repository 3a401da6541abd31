import { once } from 'node:events';
import test, { type ExecutionContext } from 'ava';
import {
  assertNoStack,
  client,
  dial,
  pause,
  peerServer,
  type Server,
  server,
  start,
  until,
  waitFor,
} from './harness.ts';
import { roomNc, roomTerminal, sceneBlocks, type Terminal } from './room-cases.ts';
import { checkTranscript } from './transcript.ts';

const SERVER = '20-chat-room-server.ts';
const CLIENT = '21-chat-room-client.ts';
const room21 = (t: ExecutionContext, s: Server, name: string) => roomTerminal(t, s, name, CLIENT);

test('lesson 20 transcript: one client after another, the room tells the server who came', (t) =>
  checkTranscript(t, '20-chat-room-server'));

test('lesson 21 transcript: a client fed by a pipe, as the lesson runs it', (t) =>
  checkTranscript(t, '21-chat-room-client'));

test('three at once (two 21s, one nc): joins, messages, renames and leaves in one order; lesson 20 shows them', async (t) => {
  const s = await server(t, SERVER);
  const ann = room21(t, s, 'ann');
  await ann.sees('nickname?\n');
  ann.type('ann');
  await ann.sees('* you are ann; no one else is here\n');
  const cy = await roomNc(t, s);
  await cy.sees('nickname?\n');
  cy.type('cy');
  await Promise.all([cy.sees('* you are cy; online: ann\n'), ann.sees('* cy joined\n')]);
  const bob = room21(t, s, 'bob');
  await bob.sees('nickname?\n');
  bob.type('ann'); // taken: the room asks again
  await bob.sees('! ann is taken, choose another\n');
  bob.type('bob');
  await Promise.all([ann.sees('* bob joined\n'), cy.sees('* bob joined\n')]);
  ann.type('hello, room');
  await Promise.all([bob.sees('<ann> hello, room\n'), cy.sees('<ann> hello, room\n')]);
  cy.type('hi ann, I am on nc');
  await Promise.all([ann.sees('<cy> hi ann'), bob.sees('<cy> hi ann')]);
  bob.type('/who');
  await bob.sees('* online: ann, cy, bob\n');
  bob.type('/nick bobby');
  await Promise.all([ann, bob, cy].map((x) => x.sees('* bob is now bobby\n')));
  cy.type('/quit');
  await once(cy.socket, 'end'); // the room closes the connection
  await Promise.all([ann.sees('* cy left\n'), bob.sees('* cy left\n')]);
  bob.proc.stdin.end(); // Ctrl+D: the end of input, then the room closes the connection
  t.is((await bob.proc).exitCode, 0);
  await ann.sees('* bobby left\n');
  const beforeCtrlC = (await waitFor(s.proc, 'bobby left\n')).length;
  s.proc.kill('SIGINT'); // Ctrl+C: everyone still there is told, then the room closes
  await ann.sees('(the server closed the connection)');
  const [annDone, room] = await Promise.all([ann.proc, s.proc]);
  t.is(annDone.exitCode, 0);
  t.is(room.signal, 'SIGINT');
  t.is(room.stderr, '');

  const lesson = sceneBlocks('20-chat-room-server', 'A room, three terminals');
  const serverScreen = `${room.stdout.slice(0, beforeCtrlC)}^C${room.stdout.slice(beforeCtrlC)}`
    .replace(`127.0.0.1:${s.port}\n`, '127.0.0.1:8090\n')
    .replaceAll(/from 127\.0\.0\.1:\d+/g, 'from 127.0.0.1:<port>');
  t.is(serverScreen.trimEnd(), lesson.get('$ npx tsx scripts/20-chat-room-server.ts') ?? '');
  t.is(
    ann.screen().trimEnd(),
    lesson.get('$ npx tsx scripts/21-chat-room-client.ts   # ann') ?? '',
  );
  t.is(
    bob.screen().trimEnd(),
    lesson.get('$ npx tsx scripts/21-chat-room-client.ts   # bob') ?? '',
  );
  t.is(cy.screen().trimEnd(), lesson.get('$ nc 127.0.0.1 8090   # cy') ?? '');
});

/** A room member played by the test: a raw socket that has chosen its nickname. */
async function member(t: ExecutionContext, s: Server, nick: string) {
  const m = await roomNc(t, s);
  m.type(nick);
  await m.sees(`* you are ${nick};`);
  return m;
}

test('50 clients x 20 messages: each gets every other message, all in one order, each sender in order', async (t) => {
  const s = await server(t, SERVER);
  const nicks = Array.from({ length: 50 }, (_, i) => `c${i}`);
  const members = await Promise.all(nicks.map((nick) => member(t, s, nick)));
  for (let k = 0; k < 20; k++)
    for (const [i, m] of members.entries()) m.socket.write(`m${k} ${i}\n`);
  const messages = (m: Terminal) =>
    [...m.screen().matchAll(/^<c(\d+)> m(\d+) (\d+)$/gm)].map(([, from, k, i]) => {
      if (from !== i) throw new Error(`a message from c${i} arrived as from c${from}`);
      return { from: Number(from), k: Number(k) };
    });
  await Promise.all(members.map((m, i) => until(() => `${messages(m).length}`, '980', `c${i}`)));
  const seen = members.map(messages);
  for (const [i, got] of seen.entries()) {
    t.is(got.length, 49 * 20, `c${i} got every other message`);
    t.false(
      got.some((m) => m.from === i),
      `c${i} got no copy of its own`,
    );
    for (const from of nicks.keys()) {
      if (from === i) continue;
      const ks = got.filter((m) => m.from === from).map((m) => m.k);
      if (ks.join() !== [...Array(20).keys()].join()) t.fail(`c${i} got c${from}'s out of order`);
    }
  }
  // One order: any two clients saw the messages that both got in the same order.
  const key = (m: { from: number; k: number }) => `${m.from}.${m.k}`;
  for (let i = 1; i < seen.length; i++) {
    const mine = (seen[i] ?? []).filter((m) => m.from !== 0).map(key);
    const first = (seen[0] ?? []).filter((m) => m.from !== i).map(key);
    if (mine.join() !== first.join()) t.fail(`c${i} and c0 saw the messages in different orders`);
  }
  t.pass();
});

test('a client that stops reading is cut off past 64 KiB of unsent output; the others go on', async (t) => {
  const s = await server(t, SERVER);
  const slow = await member(t, s, 'slow');
  const watcher = await member(t, s, 'watcher');
  const talker = await member(t, s, 'talker');
  await watcher.sees('* talker joined\n'); // before counting what it receives
  slow.socket.pause(); // reads no more: the kernel's buffers fill first, then the room's queue
  let cutOff = false;
  let lines = 0; // every line the watcher receives from here on
  let tail = ''; // the end of the last piece: the news may be cut in two
  watcher.socket.on('data', (text: string) => {
    lines += text.split('\n').length - 1;
    if (`${tail}${text}`.includes('* slow was too slow and was disconnected\n')) cutOff = true;
    tail = text.slice(-100);
  });
  const line = `x${'y'.repeat(999)}`;
  let sent = 0;
  // About 4 MiB fit in the kernel's buffers on loopback here (lesson 20): 20 MiB at most.
  while (!cutOff && sent < 20_000) {
    for (let i = 0; i < 100; i++) talker.socket.write(`${line}\n`);
    sent += 100;
    await pause(1);
  }
  t.true(cutOff, `the others were told, after ${sent} lines of 1 KB`);
  await waitFor(s.proc, 'slow was too slow and was disconnected\n');
  talker.type('still here?');
  await watcher.sees('<talker> still here?\n');
  t.is(lines, sent + 2, 'the watcher got every line, the news and still here? too');
});

test('20 --stall 400: the loop stops for everyone at once, then catches up', async (t) => {
  // About 1.5 s of wall time: one stall must happen while the clients talk (one a second).
  const s = await server(t, SERVER, { args: ['--stall', '400'] });
  const [a, b, c] = [await member(t, s, 'a'), await member(t, s, 'b'), await member(t, s, 'c')];
  const gaps = (m: Awaited<ReturnType<typeof member>>) => {
    let [last, worst] = [performance.now(), 0];
    m.socket.on('data', () => {
      const now = performance.now();
      [last, worst] = [now, Math.max(worst, now - last)];
    });
    return () => worst;
  };
  const [worstB, worstC] = [gaps(b), gaps(c)];
  const began = performance.now();
  while (performance.now() - began < 1300) {
    a.socket.write('tick\n');
    await pause(10);
  }
  a.type('done');
  await Promise.all([b.sees('<a> done\n'), c.sees('<a> done\n')]); // the stall is over by then
  t.true(worstB() > 300, `b waited ${worstB().toFixed(0)} ms at most`);
  t.true(worstC() > 300, `c waited ${worstC().toFixed(0)} ms at most`);
});

test('flags: --max-clients and --stall take whole numbers (a usage line, exit 2)', async (t) => {
  for (const args of [
    ['--max-clients', 'many'],
    ['--stall', '0.5'],
  ]) {
    const done = await start(t, SERVER, { args, input: [] });
    t.is(done.exitCode, 2);
    t.regex(
      done.stderr,
      new RegExp(`^--${args[0]?.slice(2)} takes a whole number, not '${args[1]}' — usage: `),
    );
    assertNoStack(t, done);
  }
});

test('21: a last line with no line end before the close is still shown', async (t) => {
  const peer = await peerServer(t, (socket) => socket.end('* hi\nno line end'));
  const done = await client(t, CLIENT, peer);
  t.is(done.stdout, '* hi\nno line end\n(the server closed the connection)');
  t.is(done.exitCode, 0);
});

test('21: Ctrl+C ends it quietly, and the room sees it leave', async (t) => {
  const s = await server(t, SERVER);
  const ann = room21(t, s, 'ann');
  ann.type('ann');
  await ann.sees('* you are ann;');
  ann.proc.kill('SIGINT');
  const done = await ann.proc;
  t.is(done.signal, 'SIGINT');
  t.is(done.stderr, '');
  await waitFor(s.proc, 'ann left\n');
  t.pass();
});

/** What a terminal `cols` wide shows after `out`: text, \r, \n and readline's few CSI codes. */
function render(out: string, cols: number) {
  const screen: string[][] = [[]];
  let [row, col] = [0, 0];
  const at = (r: number) => {
    for (let i = screen.length; i <= r; i++) screen.push([]);
    return screen[r] as string[];
  };
  const csi = new RegExp(
    `${String.fromCharCode(27)}\\[(\\d*)([ADGJK])|[^${String.fromCharCode(27)}]`,
    'gsu',
  );
  for (const [s, n = '', code] of out.matchAll(csi)) {
    const count = Number(n || 1);
    if (code === 'A') row = Math.max(0, row - count);
    else if (code === 'D') col = Math.max(0, Math.min(col, cols - 1) - count);
    else if (code === 'G') col = count - 1;
    else if (code === 'J') {
      screen.splice(row + 1);
      at(row).splice(col);
    } else if (code === 'K' && n === '2') at(row).fill(' ');
    else if (code === 'K') at(row).splice(col);
    else if (s === '\r') col = 0;
    else if (s === '\n') row++;
    else {
      if (col === cols) [row, col] = [row + 1, 0]; // the line wraps
      at(row)[col++] = s;
    }
  }
  return screen
    .map((r) =>
      Array.from(r, (ch) => ch ?? ' ')
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

test('21 in a 40-column terminal: a typed line that wraps stays whole as lines arrive; Ctrl+C ends it with 130', async (t) => {
  const s = await server(t, SERVER);
  const term = client(t, CLIENT, s, { terminal: 40 });
  let out = '';
  term.stdout.on('data', (chunk: Buffer) => {
    out += chunk;
  });
  const shows = (text: string) => until(() => render(out, 40), text, '21 in a terminal');
  await shows('* welcome');
  term.stdin.write('ann\r');
  await shows('* you are ann');
  const typed = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'; // 2 rows with '> '
  term.stdin.write(typed);
  await shows(typed.slice(-10));
  const bob = await roomNc(t, s);
  bob.type('bob');
  bob.type('first');
  await shows('<bob> first');
  bob.socket.end();
  // The news comes in one write and the typed line is redrawn in the next: wait for both, as a
  // person reading the screen would, then look at it.
  const bottom = [`* bob joined`, '<bob> first', '* bob left', `> ${typed.slice(0, 38)}`];
  const last5 = () => render(out, 40).split('\n').slice(-5).join('\n');
  await until(last5, [...bottom, typed.slice(38)].join('\n'), '21 in a terminal').catch(() => {});
  t.is(last5(), [...bottom, typed.slice(38)].join('\n'));
  term.stdin.write('\u0003'); // Ctrl+C, typed: a key to readline in raw mode
  const done = await term;
  t.is(done.exitCode, 130, render(out, 40)); // term.py: 128 + SIGINT
  t.is(done.stderr, '');
  await waitFor(s.proc, 'ann left\n');
});

test('a client that sends its lines and closes its side at once (nc -N, a pipe) still gets every answer', async (t) => {
  const s = await server(t, SERVER);
  const socket = (await dial(t, s)).setEncoding('utf8');
  let got = '';
  socket.on('data', (text: string) => {
    got += text;
  });
  socket.end('b0b!\nbob\n/who\n'); // the lines and the FIN together, as `nc -N` sends them
  await once(socket, 'close');
  t.is(
    got,
    [
      '* welcome to the room; what is your nickname?',
      '! a nickname is 1 to 16 letters, digits, _ or -',
      '* you are bob; no one else is here',
      '* online: bob',
      '',
    ].join('\n'),
  );
  await waitFor(s.proc, 'bob left\n');
});
