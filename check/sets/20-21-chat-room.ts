/**
 * Lessons 20 and 21: the chat room (its wire format is the kit's contract, CONVENTIONS.md). A
 * copy of 20 is checked as the room, with the checker as its clients, each a raw socket like
 * `nc`: several at once, some of them bad. A copy of 21 as a client, with the checker as the
 * room. Only what the contract fixes is required: the greeting and the reasons given on `! `
 * lines are the program's own words.
 */
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { pause, type Server, type StartOptions } from '../../test/harness.ts';
import {
  type Check,
  type CheckSet,
  type Context,
  connectTo,
  exitsWith,
  failsInOneLine,
  listen,
  Miss,
  prints,
  readBy,
  shown,
  type Talk,
  WAIT_MS,
  type Wrong,
  waitUntil,
} from '../checks.ts';
import type { Exercise } from '../exercises.ts';
import { client02 } from './01-02-tcp-chat.ts';
import { borrowed } from './18-19-unix.ts';

// ---- the checker as room clients ---------------------------------------------------------------

/** How far each client's received text has been matched by `expect()`. */
const cursors = new WeakMap<Talk, number>();

/**
 * Wait until what `t` received since the last match holds `wanted`, and move past it; else a
 * Miss that shows what came instead. Lines are matched in the order they arrive, as a person
 * reading the screen would.
 */
async function expect(t: Talk, wanted: string | RegExp, sent: string, who = 'it', label?: string) {
  const from = cursors.get(t) ?? 0;
  const rest = () => t.text().slice(from);
  const find = () => {
    if (typeof wanted === 'string') {
      const at = rest().indexOf(wanted);
      return at === -1 ? undefined : at + wanted.length;
    }
    const m = new RegExp(wanted.source, wanted.flags.replace('g', '')).exec(rest());
    return m ? m.index + m[0].length : undefined;
  };
  await waitUntil(
    () => find() !== undefined,
    () => {
      const came = rest() ? `${who} got ${shown(rest(), 100)}` : `${who} got nothing more`;
      const closed = t.socket.readableEnded || t.socket.destroyed ? ', and was disconnected' : '';
      const whole = label ?? (typeof wanted === 'string' ? shown(wanted, 100) : String(wanted));
      return new Miss(sent, `${who} gets ${whole}`, `${came}${closed}`);
    },
  );
  const end = find() ?? 0;
  cursors.set(t, from + end);
  return t.text().slice(from, from + end);
}

/** A client of the room, named (or not yet: `nick` undefined). It sends its nickname at once:
 * the room's greeting need not come first. */
async function member(c: Context, s: Server, nick?: string): Promise<Talk> {
  const t = await connectTo(c, s);
  t.socket.setNoDelay(true);
  if (nick !== undefined) t.socket.write(`${nick}\n`);
  await expect(t, /^\* [^\n]*\n/, 'a connection', nick ?? 'a new client', 'a greeting, "* …"');
  if (nick === undefined) return t;
  const you = new RegExp(`^\\* you are ${nick}\\b[^\\n]*\\n`, 'mu');
  await expect(t, you, `the nickname ${nick}`, nick, `"* you are ${nick}…"`);
  return t;
}

/** Clients of the room, all named, joined at once: one Talk for each nickname, in order. */
function members<const N extends string[]>(c: Context, s: Server, ...nicks: N) {
  return Promise.all(nicks.map((nick) => member(c, s, nick))) as Promise<{ [K in keyof N]: Talk }>;
}

/** Fail if `t` got `text` at all (checked once a later line has arrived, so no wait is needed). */
function never(t: Talk, text: string, sent: string, expected: string, who: string) {
  if (t.text().includes(text))
    throw new Miss(
      sent,
      expected,
      `${who} got ${shown(t.text().slice(t.text().indexOf(text)), 80)}`,
    );
}

/** Each check's one budget for `taken()`: a deadline, one WAIT_MS after its first piece. */
const budgets = new WeakMap<Context, number>();

/**
 * Resolve once the program has read everything the checker sent it on `socket` (lesson 16's
 * `readBy`: its receive queue in /proc/net/tcp is empty again), so that what is written next
 * reaches it in a read of its own. All the pieces of a check share one WAIT_MS: past it, on a
 * machine too busy or not Linux, a turn of the loop apart, and the pieces may arrive together
 * (the kit's own scripts pass either way).
 */
async function taken(c: Context, socket: Socket) {
  const by = budgets.get(c) ?? performance.now() + WAIT_MS;
  budgets.set(c, by);
  if (!existsSync('/proc/net/tcp') || !(await readBy(socket, by))) await pause(1);
}

/** The list of a `* online: a, b` line, sorted (the contract fixes no order). */
const online = (line: string) =>
  (/\* online: ([^\n]*)\n/.exec(line)?.[1] ?? '').split(', ').sort().join(', ');

// ---- 20: the room ------------------------------------------------------------------------------

export const server20: CheckSet = {
  lesson: '20',
  script: '20-chat-room-server.ts',
  role: 'server',
  checks: [
    {
      name: 'greets, takes the first line as a nickname, refuses bad or taken ones; * NICK joined',
      section: 'Run it',
      async run(c) {
        const s = await c.serve();
        const ann = await member(c, s);
        const bad = ['b0b!', 'x'.repeat(17), ''];
        ann.socket.write(bad.map((nick) => `${nick}\n`).join('')); // each refused in turn
        const sent = `the nicknames ${bad.map((nick) => shown(nick, 20)).join(', ')}`;
        await expect(ann, /^! [^\n]*\n! [^\n]*\n! [^\n]*\n/m, sent, 'ann', 'three "! …" lines');
        ann.socket.write('ann\n');
        await expect(
          ann,
          /^\* you are ann\b[^\n]*\n/m,
          'the nickname ann',
          'ann',
          '"* you are ann…"',
        );
        await prints(s.proc, 'ann', 'the nickname ann', 'a line naming ann (one a join)');
        const li = await member(c, s);
        li.socket.write('ann\n');
        await expect(
          li,
          /^! [^\n]*\n/m,
          'ann, a nickname in use',
          'the second client',
          '"! …" (why not)',
        );
        li.socket.write('李雷\n'); // letters of any script
        await expect(
          li,
          /^\* you are 李雷[^\n]*ann[^\n]*\n/mu,
          '李雷, with ann in the room',
          '李雷',
          '"* you are 李雷…", naming ann',
        );
        await expect(ann, '* 李雷 joined\n', 'a second client named 李雷', 'ann');
      },
    },
    {
      name: 'a line goes to every other client as <NICK> line, in one order; the sender gets no copy',
      section: 'How it works',
      async run(c) {
        const s = await c.serve();
        const [ann, bob, cy, dee] = await members(c, s, 'ann', 'bob', 'cy', 'dee');
        ann.socket.write('hello, room\n/who\n');
        for (const [t, who] of [
          [bob, 'bob'],
          [cy, 'cy'],
          [dee, 'dee'],
        ] as const)
          await expect(t, '<ann> hello, room\n', 'hello, room from ann', who);
        await expect(
          ann,
          /^\* online: [^\n]*\n/m,
          'hello, room, then /who, from ann',
          'ann',
          '"* online: …"',
        );
        never(ann, '<ann> hello', 'hello, room from ann', 'no copy of its own message', 'ann');
        // bob and cy at once: dee and ann must see their lines in one order.
        const five = (who: string) => [1, 2, 3, 4, 5].map((k) => `${who} ${k}\n`).join('');
        bob.socket.write(five('bob'));
        cy.socket.write(five('cy'));
        const order = (t: Talk) => t.text().match(/^<(?:bob|cy)> [^\n]*$/gm) ?? [];
        for (const [t, who] of [
          [ann, 'ann'],
          [dee, 'dee'],
        ] as const) {
          await t.receives('<bob> bob 5\n', `five lines each from bob and cy, at once, to ${who}`);
          await t.receives('<cy> cy 5\n', `five lines each from bob and cy, at once, to ${who}`);
        }
        if (order(ann).join() !== order(dee).join())
          throw new Miss(
            'five lines each from bob and cy, at once',
            'ann and dee see them in the same order',
            `ann: ${shown(order(ann).join(' | '), 120)}; dee: ${shown(order(dee).join(' | '), 120)}`,
          );
      },
    },
    {
      name: '/who, /nick NEW, /quit; any other /word: ! unknown command /word',
      section: 'Run it',
      async run(c) {
        const s = await c.serve();
        const [ann, bob] = await members(c, s, 'ann', 'bob');
        // The lines at once: the room answers each in turn.
        bob.socket.write('/who\n/nick bobby\n/nick ann\n/dance\nafter\n');
        const who = await expect(bob, /^\* online: [^\n]*\n/m, '/who', 'bob', '"* online: …"');
        if (online(who) !== 'ann, bob')
          throw new Miss('/who, with ann and bob in', '* online: ann, bob', shown(who));
        await expect(bob, '* bob is now bobby\n', '/who, then /nick bobby', 'bob');
        await expect(ann, '* bob is now bobby\n', '/nick bobby, from bob', 'ann');
        const inUse = '/nick bobby, then /nick ann (a nickname in use)';
        await expect(bob, /^! [^\n]*\n/m, inUse, 'bob', '"! …" (why not)');
        await expect(bob, '! unknown command /dance\n', `${inUse}, then /dance`, 'bob');
        await expect(ann, '<bobby> after\n', '/dance, then after, from bobby', 'ann');
        never(ann, '/dance', '/dance from bobby', 'nothing of it', 'ann');
        bob.socket.write('/quit\n');
        await bob.closed('/quit', 'the room closes the connection');
        await expect(ann, '* bobby left\n', '/quit from bobby', 'ann');
      },
    },
    {
      name: 'lines cut at \\n whatever the reads (a piece at a time, several at once, \\r\\n); invalid UTF-8 passes as �',
      section: 'How it works',
      async run(c) {
        const s = await c.serve();
        const [zed, ann] = await members(c, s, 'zed', 'ann');
        const pieces = [
          Buffer.from('hel'),
          Buffer.concat([Buffer.from('lo, 你'), Buffer.from('好').subarray(0, 1)]),
          Buffer.concat([Buffer.from('好').subarray(1), Buffer.from('\n')]),
        ];
        for (const piece of pieces) {
          ann.socket.write(piece);
          await taken(c, ann.socket); // read before the next piece is sent: a read each
        }
        const sent = 'hello, 你好 in three reads, one cut inside 好';
        await expect(zed, /^<ann> [^\n]*\n/m, sent, 'zed', '"<ann> …"'); // whatever came first
        const first = zed.text().match(/^<ann> [^\n]*$/m)?.[0];
        if (first !== '<ann> hello, 你好')
          throw new Miss(
            sent,
            'one line "<ann> hello, 你好"',
            `zed got ${shown(zed.text().slice(zed.text().indexOf('<ann>')), 100)}`,
          );
        ann.socket.write('one\r\ntwo\n\nthree\n');
        await expect(
          zed,
          '<ann> one\n<ann> two\n<ann> three\n',
          'one\\r\\ntwo\\n\\nthree\\n in one write',
          'zed',
        );
        ann.socket.write(Buffer.from([0x68, 0xff, 0xfe, 0x69, 0x0a]));
        ann.socket.write('still here\n');
        const bad = 'h, 0xff 0xfe, i (invalid UTF-8), then still here';
        const replaced = '"<ann> h��i" (each bad byte a U+FFFD), then "<ann> still here"';
        await expect(zed, /^<ann> h\uFFFD+i\n<ann> still here\n/mu, bad, 'zed', replaced);
      },
    },
    {
      name: 'serves clients in any order: a silent first client and half a line hold no one up',
      section: 'From lesson 06 to a room: where the waiting went',
      async run(c) {
        const s = await c.serve();
        const silent = await member(c, s); // connected first; says nothing for now
        const half = await member(c, s);
        half.socket.write('hal'); // half a nickname, no line end
        await taken(c, half.socket);
        const cy = await member(c, s);
        cy.socket.write('cy\n/who\n');
        const sent = 'cy, then /who, while two earlier clients have not finished a line';
        await expect(cy, /^\* you are cy\b[^\n]*\n/m, sent, 'cy', '"* you are cy…"');
        const who = await expect(cy, /^\* online: [^\n]*\n/m, sent, 'cy', '"* online: …"');
        if (online(who) !== 'cy') throw new Miss(sent, '* online: cy', shown(who));
        half.socket.write('f\n');
        await expect(cy, '* half joined\n', 'the end of the line, f\\n, from the second', 'cy');
        silent.socket.write('first\n');
        await expect(cy, '* first joined\n', 'at last, first\\n from the first', 'cy');
      },
    },
    {
      name: 'a client that stops reading is cut off past 64 KiB (* NICK was too slow …); the others go on',
      section: 'Backpressure: a client that stops reading',
      async run(c) {
        const s = await c.serve();
        const [slow, watcher, talker] = await members(c, s, 'slow', 'watcher', 'talker');
        slow.socket.pause(); // reads no more: the kernel's buffers fill, then the room's queue
        const news = '* slow was too slow and was disconnected';
        const body = `x${'y'.repeat(999)}`; // 1 KB lines from talker
        // Megabytes pass the watcher: counted line by line here, not kept (as its Talk would).
        const seen = { lines: 0, news: false, last: '' };
        let tail = '';
        watcher.socket.removeAllListeners('data').on('data', (chunk: Buffer) => {
          const lines = (tail + chunk.toString('latin1')).split('\n');
          tail = lines.pop() ?? '';
          for (const got of lines) {
            if (got === `<talker> ${body}`) seen.lines++;
            else if (got === news) seen.news = true;
            seen.last = got;
          }
        });
        // About 4 MiB fit in the kernel's buffers on loopback (lesson 20): 20 MB at most, sent
        // at the pace the watcher receives them (1 MB ahead), for as long as they keep coming.
        let [sent, got, since] = [0, 0, performance.now()];
        while (!seen.news && sent < 20_000 && !watcher.socket.destroyed) {
          if (seen.lines !== got) [got, since] = [seen.lines, performance.now()];
          else if (performance.now() - since > WAIT_MS) break; // the room passes nothing on
          if (sent - seen.lines < 1_000) {
            for (let i = 0; i < 100; i++) talker.socket.write(`${body}\n`);
            sent += 100;
          }
          await pause(1);
        }
        const what = `${sent} lines of 1 KB from talker while slow reads nothing`;
        await waitUntil(
          () => seen.news,
          () =>
            new Miss(
              what,
              `the others get ${shown(`${news}\n`)} (a queue limit, checked before each write)`,
              `watcher got ${seen.lines} of the lines and no such news`,
            ),
        );
        talker.socket.write('still here?\n');
        const more = `${what}, then still here?`;
        await waitUntil(
          () => seen.last === '<talker> still here?',
          () => new Miss(more, 'watcher gets "<talker> still here?"', `it got ${shown(seen.last)}`),
        );
        if (seen.lines !== sent)
          throw new Miss(more, `watcher gets all ${sent} lines`, `it got ${seen.lines}`);
      },
    },
    {
      name: 'a client that sends its lines and closes its side at once (nc -N) still gets every answer',
      section: 'How it works',
      async run(c) {
        const s = await c.serve();
        const t = await connectTo(c, s);
        const sent = 'b0b!\\nbob\\n/who\\n, and a FIN at once';
        t.socket.end('b0b!\nbob\n/who\n');
        await t.closed(sent, 'the room closes the connection once it has answered');
        const answers = /^\* [^\n]*\n! [^\n]*\n\* you are bob\b[^\n]*\n\* online: bob\n$/;
        if (!answers.test(t.text()))
          throw new Miss(
            sent,
            'a greeting, a ! line, * you are bob, * online: bob, then the close',
            `it got ${shown(t.text(), 160)}`,
          );
      },
    },
    {
      name: 'a reset in the middle of a line: * NICK left; the half line goes to no one',
      section: 'Bad input, and what each gets',
      async run(c) {
        const s = await c.serve();
        const [zed, ann] = await members(c, s, 'zed', 'ann');
        ann.socket.write('half a li');
        await taken(c, ann.socket);
        ann.socket.resetAndDestroy();
        await expect(zed, '* ann left\n', 'half a li, then a reset (RST), from ann', 'zed');
        await member(c, s, 'good'); // and the room still serves
        await expect(zed, '* good joined\n', 'a new client, good', 'zed');
        never(zed, 'half', 'half a li, then a reset', 'nothing of the half line', 'zed');
      },
    },
    {
      name: 'a line of 1024 bytes passes; over 1024 (or 1025 with no end yet): ! line too long, closed',
      section: 'Bad input, and what each gets',
      async run(c) {
        const s = await c.serve();
        const [zed, ann] = await members(c, s, 'zed', 'ann');
        ann.socket.write(`${'x'.repeat(1024)}\r\n`);
        await expect(
          zed,
          `<ann> ${'x'.repeat(1024)}\n`,
          '1024 bytes, then \\r\\n, from ann',
          'zed',
        );
        ann.socket.write(`${'y'.repeat(1025)}\n`);
        await expect(ann, '! line too long\n', '1025 bytes, then \\n', 'ann');
        await ann.closed('1025 bytes, then \\n', 'the room closes the connection');
        await expect(zed, '* ann left\n', '1025 bytes from ann', 'zed');
        const bo = await member(c, s, 'bo');
        bo.socket.write('z'.repeat(4000)); // no line end: it must not wait for one
        await expect(bo, '! line too long\n', '4000 bytes and no line end', 'bo');
        await bo.closed('4000 bytes and no line end', 'the room closes the connection');
        await expect(zed, '* bo left\n', '4000 bytes from bo', 'zed');
      },
    },
  ],
};

// ---- 21: the client ----------------------------------------------------------------------------

const WELCOME = '* welcome to the room; what is your nickname?\n';

/** The checker as the room, and a copy of 21 started to join it: its process, its connection. */
async function joined(c: Context, options: StartOptions = {}, sent = '--port') {
  const room = await listen(c);
  const proc = c.client(room, options);
  return { proc, peer: await room.next(sent, proc) };
}

export const client21: CheckSet = {
  lesson: '21',
  script: '21-chat-room-client.ts',
  role: 'client',
  checks: [
    {
      name: 'connects to --port and sends each typed line with a \\n',
      section: 'How it works',
      async run(c) {
        const { peer } = await joined(
          c,
          { input: ['ann', 'hello'], open: true },
          '--port, and ann, hello typed',
        );
        await expect(peer, 'ann\nhello\n', 'ann, hello typed', 'the room');
        if (peer.text() !== 'ann\nhello\n')
          throw new Miss('ann, hello typed', 'exactly "ann\\nhello\\n"', shown(peer.text()));
      },
    },
    {
      name: 'prints each line from the room once whole, however the reads cut it',
      section: 'How it works',
      async run(c) {
        const { proc, peer } = await joined(c);
        const cut = WELCOME.indexOf('ro');
        for (const piece of [WELCOME.slice(0, cut), WELCOME.slice(cut)]) {
          peer.socket.write(piece);
          await taken(c, peer.socket);
        }
        peer.socket.write('* you are ann; no one else is here\n<bob> hi, 你好\n');
        const whole = `${WELCOME}* you are ann; no one else is here\n<bob> hi, 你好\n`;
        await prints(proc, whole, 'a line in two reads, then two lines in one', shown(whole, 120));
      },
    },
    {
      name: 'full duplex: prints lines from the room while nothing is typed, or half a line is',
      section: 'How it works',
      async run(c) {
        const { proc, peer } = await joined(c); // its input stays open, and empty for now
        peer.socket.write(WELCOME);
        await prints(proc, WELCOME, 'the greeting, with nothing typed', shown(WELCOME));
        proc.stdin.write('ann\nhal'); // a line, and half of the next: the room says nothing
        await expect(peer, 'ann\n', 'ann typed, no answer from the room yet', 'the room');
        peer.socket.write('<bob> hi\n');
        await prints(proc, '<bob> hi\n', '<bob> hi, while "hal" is half typed', '"<bob> hi"');
        proc.stdin.write('f\n');
        await expect(peer, 'half\n', 'the rest of the line typed: f', 'the room');
      },
    },
    {
      name: 'the room closing: its last line (even with no \\n) shown, then (the server closed the connection), exit 0',
      section: 'How it works',
      async run(c) {
        const { proc, peer } = await joined(c);
        peer.socket.end('* server shutting down\nno line end');
        const sent = '* server shutting down, "no line end" with no \\n, then a FIN';
        const text = '* server shutting down\nno line end\n(the server closed the connection)';
        await prints(proc, text, sent, shown(text));
        await exitsWith(proc, 0, sent, 'exit code 0');
      },
    },
    {
      name: 'the end of input: it closes its side (FIN) and still shows what the room says last',
      section: 'How it works',
      async run(c) {
        const { proc, peer } = await joined(c, { input: ['ann'], open: true }, '--port, ann typed');
        peer.socket.allowHalfOpen = true; // the room answers a FIN, as lesson 20 does
        await expect(peer, 'ann\n', 'ann typed', 'the room');
        proc.stdin.end(); // Ctrl+D
        await peer.closed('ann, then the end of input', 'a FIN from it');
        peer.socket.end('* ann left\n');
        const text = '* ann left\n(the server closed the connection)';
        await prints(
          proc,
          text,
          'a FIN from it, answered with "* ann left" and a FIN',
          shown(text),
        );
        await exitsWith(proc, 0, 'the end of input', 'exit code 0');
      },
    },
    {
      name: 'escape codes and direction overrides from the room are shown as �, not obeyed',
      section: 'Transcript',
      async run(c) {
        const { proc, peer } = await joined(c);
        peer.socket.write('<bob> escape \x1b[2J test \u202e evil\n');
        const shownAs = '<bob> escape \uFFFD[2J test \uFFFD evil\n';
        await prints(proc, shownAs, 'a line with ESC [2J and U+202E', shown(shownAs));
      },
    },
    {
      name: 'a room that resets the connection: one line on stderr, exit 1',
      section: 'How it works',
      async run(c) {
        const { proc, peer } = await joined(c, { input: ['ann'], open: true }, '--port, ann typed');
        await expect(peer, 'ann\n', 'ann typed', 'the room');
        peer.socket.resetAndDestroy();
        const expected = 'exit code 1 and one line on stderr that says so';
        await failsInOneLine(proc, 'a reset (RST)', expected, /reset/);
      },
    },
    ...borrowed(client02, 'nothing listening'), // lesson 02's: a client with no server
  ],
};

// ---- exercises ---------------------------------------------------------------------------------

/** Exercise 20-msg's own checks: behaviour the kit's room does not have. */
const privateMessages: Check[] = [
  {
    name: '/msg NICK text: NICK alone gets *FROM* text; no one else, not the sender',
    section: 'Try this',
    async run(c) {
      const s = await c.serve();
      const [ann, bob, cy] = await members(c, s, 'ann', 'bob', 'cy');
      const sent = '/msg bob hello there, bob (then "after" to all, and /who)';
      ann.socket.write('/msg bob hello there, bob\nafter\n/who\n');
      await expect(bob, '*ann* hello there, bob\n<ann> after\n', sent, 'bob');
      await expect(cy, '<ann> after\n', sent, 'cy');
      never(cy, 'hello there', sent, 'nothing of the private line', 'cy');
      await expect(ann, /^\* online: [^\n]*\n/m, sent, 'ann', '"* online: …"');
      never(ann, 'hello there', sent, 'no copy of its own private line', 'ann');
    },
  },
  {
    name: '/msg to a nickname no one has: ! no one called NICK, to the sender alone',
    section: 'Try this',
    async run(c) {
      const s = await c.serve();
      const [ann, bob] = await members(c, s, 'ann', 'bob');
      const sent = '/msg zoe hi zoe, with no zoe in the room (then "after")';
      ann.socket.write('/msg zoe hi zoe\nafter\n');
      await expect(ann, '! no one called zoe\n', sent, 'ann');
      await expect(bob, '<ann> after\n', sent, 'bob');
      never(bob, 'zoe', sent, 'nothing of it', 'bob');
    },
  },
  {
    name: '/msg follows /nick: the new name reaches, the old does not; the line names the sender as now',
    section: 'Try this',
    async run(c) {
      const s = await c.serve();
      const [ann, bob] = await members(c, s, 'ann', 'bob');
      bob.socket.write('/nick bobby\n');
      await expect(ann, '* bob is now bobby\n', '/nick bobby from bob', 'ann');
      ann.socket.write(
        '/msg bob old name\n/msg bobby new name\n/nick anna\n/msg bobby from anna\n',
      );
      const sent = '/msg bob …, /msg bobby …, /nick anna, /msg bobby …';
      await expect(ann, '! no one called bob\n', sent, 'ann');
      await bob.receives('*ann* new name\n', `${sent}, to bobby`);
      await bob.receives('*anna* from anna\n', `${sent}, to bobby`);
      never(bob, 'old name', sent, 'nothing sent to the old name', 'bobby');
    },
  },
];

export const exercises2021: Exercise[] = [
  {
    id: '20-msg',
    lesson: '20',
    script: '20-chat-room-server.ts',
    title: 'a private /msg in the room',
    task: [
      "`/msg NICK text`: send `*ME* text` (ME: the sender's nickname) to NICK alone, no copy to",
      'the sender. No one called NICK: the sender gets `! no one called NICK`. `text` is the rest',
      'of the line after NICK and one space, as typed. Add a branch to this chain of commands.',
    ].join('\n'),
    hints: [
      '`arg` is already the second word (NICK); the text starts after `/msg NICK `: `line.slice(…)`.',
      'Look NICK up among the named clients: `[...room].find((o) => o.nick === arg)`.',
      '`send(to, …)` queues a line for one client; `send(c, …)` answers the sender.',
    ],
    zh: {
      title: '聊天室里的私信：/msg',
      task: '`/msg NICK text`：把 `*ME* text`（ME 是发送者的昵称）只发给 NICK，发送者自己收不到副本。没有叫 NICK 的人：发送者收到 `! no one called NICK`。`text` 是这一行里 NICK 和一个空格之后照原样输入的内容。在这一串命令判断里加一个分支。',
      hints: [
        '`arg` 已经是第二个词（NICK）；text 从 `/msg NICK ` 之后开始：`line.slice(…)`。',
        '在已经有昵称的客户端里查找 NICK：`[...room].find((o) => o.nick === arg)`。',
        '`send(to, …)` 把一行放进某一个客户端的队列；`send(c, …)` 回答发送者。',
      ],
    },
    extra: privateMessages,
  },
  {
    id: '20-lines',
    lesson: '20',
    script: '20-chat-room-server.ts',
    title: 'lines from bytes: cut what a client sends into lines, whatever the reads',
    task: [
      "On each 'data' chunk (a Buffer), keep the bytes of a line whose \\n has not come yet,",
      'and hand every complete line to hear(c, text), without a \\r before its \\n. A line over',
      'MAX_LINE bytes, or more than MAX_LINE + 1 bytes with no \\n yet: hangUp(c, "! line too long\\n").',
    ].join('\n'),
    hints: [
      'A `let pending = Buffer.alloc(0)` outside the handler; `Buffer.concat([pending, chunk])`.',
      '`pending.indexOf(10)` finds a \\n; `subarray()` cuts; decode a line only once it is whole.',
      'After a hang-up, stop: `conn.writable` is false once the room has ended the connection.',
    ],
    zh: {
      title: '从字节到行：不管读取怎样切开，把客户端发来的内容切成行',
      task: '每收到一块 \'data\'（一个 Buffer），就保存还没等到 \\n 的那一行的字节，并把每个完整的行交给 hear(c, text)，去掉 \\n 前面的 \\r。一行超过 MAX_LINE 字节，或者已经超过 MAX_LINE + 1 字节还没有 \\n：hangUp(c, "! line too long\\n")。',
      hints: [
        '在处理函数外面放一个 `let pending = Buffer.alloc(0)`；`Buffer.concat([pending, chunk])`。',
        '`pending.indexOf(10)` 找到一个 \\n；`subarray()` 切开；一行完整了才解码。',
        '挂断之后就停下：聊天室结束了这个连接之后，`conn.writable` 是 false。',
      ],
    },
  },
  {
    id: '21-show',
    lesson: '21',
    script: '21-chat-room-client.ts',
    title: "print the room's lines as they arrive, whole",
    task: [
      "Decode the socket's bytes as UTF-8 and, on each 'data', call show(line) for every",
      'complete line (without its \\n). Keep the start of a line whose end has not come yet in',
      "`rest`: the next piece finishes it (the 'end' handler below shows what is left).",
    ].join('\n'),
    hints: [
      "`sk.setEncoding('utf8')` keeps a character cut between two reads whole.",
      "`(rest + text).split('\\n')`: every part but the last is a whole line; the last is `rest`.",
    ],
    zh: {
      title: '聊天室的每一行一到就打印出来，而且是完整的一行',
      task: "把套接字的字节按 UTF-8 解码，每次 'data' 时，对每个完整的行（不带 \\n）调用 show(line)。结尾还没到的那一行，把开头保存在 `rest` 里：下一块数据会把它补全（下面的 'end' 处理函数会显示剩下的部分）。",
      hints: [
        "`sk.setEncoding('utf8')` 让一个在两次读取之间被切开的字符保持完整。",
        "`(rest + text).split('\\n')`：除了最后一部分，每一部分都是完整的一行；最后一部分就是 `rest`。",
      ],
    },
  },
];

// ---- classic wrong solutions -------------------------------------------------------------------

export const wrong2021: Wrong[] = [
  {
    lesson: '20',
    what: 'one data event taken for one line',
    edits: [
      [
        'pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;',
        "pending = chunk.at(-1) === 10 ? chunk : Buffer.concat([chunk, Buffer.from('\\n')]);",
      ],
    ],
    fails: 'lines cut at',
    says: /<ann> hel\\n/,
  },
  {
    lesson: '20',
    what: 'the sender gets a copy of its own line',
    edits: [['\\n`, c); // the sender gets no copy', '\\n`); // a copy to the sender too']],
    fails: 'the sender gets no copy',
    says: /no copy of its own message; got ann got "<ann> hello/,
  },
  {
    lesson: '21',
    what: 'one data event taken for whole lines',
    edits: [["rest = lines.pop() ?? '';", "if (lines.at(-1) === '') lines.pop();"]],
    fails: 'once whole',
    says: /(?:…"|\\n)room; what is your nickname/, // a line that starts mid-line
  },
  {
    lesson: '21',
    what: "the socket destroyed at the end of input: the room's last words are lost",
    edits: [["keyboard.on('close', () => sk.end());", "keyboard.on('close', () => sk.destroy());"]],
    fails: 'the end of input',
    says: /exited \(0\)|still running/,
  },
];
