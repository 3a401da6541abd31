/**
 * The chat room's bad clients (the contract's "Chat room (20/21)"): each case starts a room, puts a
 * watcher in it, lets a bad client do its worst, and checks what both get and that the room goes
 * on serving. test/robustness.test.ts runs them against lesson 20; test/redis/29.test.ts against
 * lesson 29, whose room is a copy of 20's rules with Redis behind it.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import type { ExecutionContext } from 'ava';
import {
  assertNoStack,
  client,
  dial,
  type Proc,
  pause,
  read,
  type Server,
  server,
  until,
  waitFor,
} from './harness.ts';

/** A room client played by the test (like nc): what it has received, and a wait for more. */
export async function roomClient(t: ExecutionContext, s: Server, nick?: string, host?: string) {
  const socket = (await dial(t, s, host)).setEncoding('utf8');
  let got = '';
  socket.on('data', (text: string) => {
    got += text;
  });
  const sees = (text: string | RegExp) => until(() => got, text, nick ?? 'a room client');
  if (nick) socket.write(`${nick}\n`);
  if (nick) await sees(`* you are ${nick};`);
  return { socket, got: () => got, sees };
}

const nickname = /^! a nickname is 1 to 16 letters, digits, _ or -$/m;
/** The bad client sends its pieces 20 ms apart (null: a reset; false: a FIN and, at once, a
 * reset; '<joined>': wait until the watcher is told it joined); then what it and the watcher get. */
const roomCases: {
  what: string;
  sends: (string | Buffer | false | null)[];
  gets?: RegExp;
  others?: string;
  never?: string;
}[] = [
  {
    what: 'invalid UTF-8 in a message',
    sends: ['ann\n', Buffer.from([0x68, 0xff, 0xfe, 0x69, 10])],
    others: '<ann> h\uFFFD\uFFFDi\n',
  },
  {
    what: 'a nickname of invalid UTF-8',
    sends: [Buffer.from([0xff, 10]), 'ann\n'],
    gets: nickname,
    others: '* ann joined\n',
  },
  {
    what: 'a nickname with a control character',
    sends: ['an\x07n\n', 'ann\n'],
    gets: nickname,
    others: '* ann joined\n',
  },
  {
    what: 'a nickname with a right-to-left override',
    sends: ['ann\u202e\n', 'ann\n'],
    gets: nickname,
    others: '* ann joined\n',
  },
  {
    what: 'a line over 1024 bytes',
    sends: ['ann\n', `${'x'.repeat(1025)}\n`],
    gets: /^! line too long\n$/m,
    others: '* ann left\n',
  },
  {
    what: 'a line of 1024 bytes, then \\r\\n',
    sends: ['ann\n', `${'x'.repeat(1024)}\r\n`],
    others: `<ann> ${'x'.repeat(1024)}\n`,
  },
  {
    what: 'a line with no end, past the limit',
    sends: ['ann\n', 'x'.repeat(4000)],
    gets: /^! line too long\n$/m,
    others: '* ann left\n',
  },
  {
    what: 'a reset in the middle of a line',
    sends: ['ann\n', '<joined>', 'half a li', null],
    others: '* ann left\n',
    never: 'half',
  },
  {
    what: 'a client that sends, closes, and resets before it reads its answers',
    sends: ['ann\n/who\n', '<joined>', false],
    others: '* ann left\n',
  },
  {
    what: 'a line split across many reads',
    sends: [
      'a',
      'nn\n',
      'he',
      'llo, ',
      Buffer.from('你好').subarray(0, 4),
      Buffer.from('你好').subarray(4),
      '\n',
    ],
    others: '<ann> hello, 你好\n',
  },
  {
    what: '\\r\\n and \\n line ends, and an empty line',
    sends: ['ann\r\n', 'one\r\n', '\r\n', 'two\n'],
    others: '* ann joined\n<ann> one\n<ann> two\n',
  },
  {
    what: 'a client that says nothing (it holds one of --max-clients)',
    sends: [],
    gets: /^\* welcome to the room; what is your nickname\?\n$/,
  },
];

export function roomMatrix(
  test: (title: string, body: (t: ExecutionContext) => Promise<unknown>) => void,
  script: string,
  /** Flags a room needs besides --port (lesson 29's: a Redis of the test's own, `--redis`). */
  more: (t: ExecutionContext) => Promise<string[]> = async () => [],
) {
  const start = async (t: ExecutionContext, args: string[] = []) =>
    server(t, script, { args: [...args, ...(await more(t))] });
  for (const c of roomCases) {
    test(`${script}: ${c.what}: as the contract says; the room goes on`, async (t) => {
      const s = await start(t);
      const zed = await roomClient(t, s, 'zed');
      const bad = await roomClient(t, s);
      for (const piece of c.sends) {
        // A reset may make the kernel drop what the room has not read yet: before one, wait
        // until the room has taken the nickname, however busy the machine.
        if (piece === '<joined>') await zed.sees('* ann joined\n');
        else if (piece === null) bad.socket.resetAndDestroy();
        else if (piece === false) bad.socket.end(() => bad.socket.resetAndDestroy());
        else bad.socket.write(piece);
        await pause(20); // a gap, so that the pieces arrive in reads of their own
      }
      if (c.gets) await bad.sees(c.gets);
      if (c.others) await zed.sees(c.others);
      if (c.never) t.false(zed.got().includes(c.never), zed.got());
      await roomClient(t, s, 'good'); // and the room still serves
      await zed.sees('* good joined\n');
      s.proc.kill('SIGINT');
      const done = await s.proc;
      t.is(done.stderr, '');
      assertNoStack(t, done);
    });
  }

  test(`${script} --max-clients 3: a flood of connections; past 3, the room is full`, async (t) => {
    const s = await start(t, ['--max-clients', '3']);
    const zed = await roomClient(t, s, 'zed');
    const flood = await Promise.all(Array.from({ length: 10 }, () => roomClient(t, s)));
    await Promise.all(flood.map((f) => f.sees(/\n/)));
    const full = flood.filter((f) => f.got() === '! room is full\n');
    t.is(full.length, 8, 'two got in beside zed, silent; eight were turned away');
    await Promise.all(full.map((f) => f.socket.closed || once(f.socket, 'close')));
    const inside = flood.find((f) => f.got().startsWith('* welcome'));
    inside?.socket.end('quiet\n'); // one of the silent two names itself and leaves
    await waitFor(s.proc, 'quiet left\n');
    const next = await roomClient(t, s, 'next'); // its place is free again
    t.regex(next.got(), /^\* welcome/);
    await zed.sees('* next joined\n');
  });

  test(`${script} --host ::1: listens on [::1] and serves over IPv6`, async (t) => {
    const s = await start(t, ['--host', '::1']);
    t.is(s.address, `[::1]:${s.port}`);
    const zed = await roomClient(t, s, 'zed', '::1');
    await roomClient(t, s, 'ann', '::1');
    await zed.sees('* ann joined\n');
  });
}

// ---- a terminal played by the test: what its screen shows, typed lines included -------------
// (lesson 20's three terminals, lesson 29's two rooms)

export interface Terminal {
  /** What the screen shows: the lines received and, where they were typed, the typed lines. */
  screen: () => string;
  type: (line: string) => void;
  sees: (text: string) => Promise<void>;
}

/**
 * A client script (21) in a terminal: its output, with each typed line put back where a terminal
 * shows it, after the prompt `> ` (21 prints no prompt into a pipe; tmux shows it: see lesson 21).
 */
export function roomTerminal(
  t: ExecutionContext,
  s: Server,
  name: string,
  script: string,
): Terminal & { proc: Proc } {
  const proc = client(t, script, s);
  let out = '';
  const typed: [number, string][] = [];
  proc.stdout.on('data', (chunk: Buffer) => {
    out += chunk;
  });
  const screen = () => {
    let shown = '';
    let from = 0;
    for (const [at, line] of typed)
      [shown, from] = [`${shown}${out.slice(from, at)}> ${line}\n`, at];
    return shown + out.slice(from);
  };
  return {
    proc,
    screen,
    type: (line) => {
      typed.push([out.length, line]);
      proc.stdin.write(`${line}\n`);
    },
    sees: (text) => until(() => out, text, name),
  };
}

/** nc in a terminal: a raw socket; the terminal echoes what is typed, and \r\n like telnet. */
export async function roomNc(
  t: ExecutionContext,
  s: Server,
): Promise<Terminal & { socket: Socket }> {
  const socket = (await dial(t, s)).setEncoding('utf8');
  let screen = '';
  socket.on('data', (text: string) => {
    screen += text;
  });
  return {
    socket,
    screen: () => screen,
    type: (line) => {
      screen += `${line}\n`;
      socket.write(`${line}\r\n`);
    },
    sees: (text) => until(() => screen, text, 'nc'),
  };
}

/** The ```text blocks of a lesson's part `### heading` (a scene the tests play), by first line. */
export function sceneBlocks(stem: string, heading: string) {
  const part = new RegExp(`^### ${heading}\\n([\\s\\S]*?)(?=^##)`, 'm').exec(
    read(`lessons/${stem}.md`),
  );
  const blocks = [...(part?.[1] ?? '').matchAll(/^```text\n([\s\S]*?)^```$/gm)].map(([, b]) => b);
  return new Map(
    blocks.map((b = '') => [b.split('\n')[0], b.split('\n').slice(1).join('\n').trimEnd()]),
  );
}
