/**
 * Lessons 18 and 19: lesson 01's chat over a UNIX socket. A copy of 18 is checked as a server
 * started with `--path` (a file in a fresh folder of the check's own), with the checker as its
 * client; a copy of 19 as a client, with the checker listening on such a path. Beside the chat,
 * the rules of the socket file: owner-only, a stale one replaced, anything else left alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { isMainThread } from 'node:worker_threads';
import { peerServer, socketPath, until } from '../../test/harness.ts';
import {
  type Check,
  type CheckSet,
  type Context,
  connectTo,
  ends,
  exitsWith,
  failsInOneLine,
  listen,
  Miss,
  prints,
  shown,
  theirs,
  WAIT_MS,
  type Wrong,
} from '../checks.ts';
import type { Exercise } from '../exercises.ts';
import { lockStepClient, server01 } from './01-02-tcp-chat.ts';

/**
 * Leave a stale socket file at `path`: a process listens there and is killed (SIGKILL), with no
 * chance to delete it, as a server that crashed. Then no one answers on it (ECONNREFUSED).
 */
function staleSocket(path: string) {
  const code = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
  spawnSync(process.execPath, ['-e', code], { stdio: 'ignore', timeout: 10_000 });
  if (!lstatSync(path, { throwIfNoEntry: false })?.isSocket())
    throw new Error(`the checker could not leave a stale socket file at ${path}`);
}

/** Another lesson's checks whose names start so: they hold here too, word for word. */
export function borrowed(set: CheckSet, ...names: string[]): Check[] {
  return names.map((name) => {
    const check = set.checks.find((ch) => ch.name.startsWith(name));
    if (!check) throw new Error(`lesson ${set.lesson} has no check named "${name}…"`);
    return check;
  });
}

/** Does a server answer on this socket path? */
function answers(path: string) {
  return new Promise<boolean>((ok) => {
    const probe = connect(path, () => {
      probe.destroy();
      ok(true);
    }).on('error', () => ok(false));
  });
}

export const server18: CheckSet = {
  lesson: '18',
  script: '18-unix-server.ts',
  role: 'server',
  checks: [
    {
      name: 'the socket file is owner-only (srw-------), whatever the umask',
      section: 'Differences from the Python listing',
      async run(c) {
        // A child takes the umask it is started with: 002 where the checker may set it (not in
        // a worker thread, as in the suite, where the checker's own, usually 022, is inherited).
        const mask = isMainThread ? process.umask(0o002) : undefined;
        const serving = c.serve(); // (the start is synchronous, before the first await)
        if (mask !== undefined) process.umask(mask);
        const s = await serving;
        const file = lstatSync(s.path ?? '', { throwIfNoEntry: false });
        const mode = file ? `${file.isSocket() ? 's' : '-'}${(file.mode & 0o777).toString(8)}` : '';
        if (!file?.isSocket() || (file.mode & 0o077) !== 0)
          throw new Miss(
            mask === undefined ? '--path' : '--path, under umask 002',
            'a socket file only its owner may use: mode 600 (set a umask of 0o177 around listen())',
            file ? `mode ${mode}` : 'no file at the path',
          );
      },
    },
    // Lesson 01's, over the socket file.
    ...borrowed(server01, 'prints what a client sends', 'sends the typed line, as typed'),
    {
      name: 'ends with exit 0 when the client sends bye, and leaves no socket file behind',
      section: 'How it works',
      async run(c) {
        const s = await c.serve();
        const peer = await connectTo(c, s);
        peer.socket.write('bye'); // and the checker keeps its side open
        await exitsWith(s.proc, 0, 'bye, then nothing', 'exit code 0');
        if (existsSync(s.path ?? ''))
          throw new Miss(
            'bye',
            'its socket file deleted (server.close())',
            'the file is still there',
          );
      },
    },
    {
      name: 'a stale socket file at --path (its server died) is replaced',
      section: 'Run it',
      async run(c) {
        staleSocket(socketPath(c)); // the path serve() gives it
        const s = await c.serve();
        const peer = await connectTo(c, s);
        peer.socket.write('hello');
        await prints(s.proc, 'hello', 'hello, over a path where a dead server left its file');
      },
    },
    {
      name: 'a path that is a regular file is left alone: one line, exit 1',
      section: 'Run it',
      async run(c) {
        const path = socketPath(c);
        writeFileSync(path, 'my notes\n');
        const proc = c.start({ args: ['--path', path], input: [] });
        const sent = '--path to a file of notes';
        const note = () =>
          existsSync(path) && !lstatSync(path).isSocket() ? readFileSync(path, 'utf8') : undefined;
        // Whichever comes first: its end, or the file gone (a program that deletes it listens).
        await until(
          () => (proc.exitCode !== null || note() !== 'my notes\n' ? 'y' : ''),
          'y',
          '',
          WAIT_MS,
        ).catch(() => {});
        const kept = note();
        if (kept !== 'my notes\n')
          throw new Miss(
            sent,
            'the file left as it was (lstat: not a socket, so not ours to delete)',
            kept === undefined ? 'the file was deleted' : `the file now holds ${shown(kept)}`,
          );
        const expected = 'one line "… exists and is not a socket …", exit code 1';
        await failsInOneLine(proc, sent, expected, /not a socket/);
      },
    },
    {
      name: "a live server's path is not taken: already in use, exit 1",
      section: 'Run it',
      async run(c) {
        const live = socketPath(c);
        await peerServer(c, (socket) => socket.resume(), live); // the checker's, listening there
        const proc = c.start({ args: ['--path', live], input: [] });
        const sent = '--path where another server listens';
        const expected = 'one line "… is already in use …", exit code 1';
        await failsInOneLine(proc, sent, expected, /already in use/);
        if (!(await answers(live)))
          throw new Miss(sent, 'the other server left alone', 'its socket file was taken away');
      },
    },
    {
      name: 'Ctrl+C while it waits for a client deletes the socket file, quietly',
      section: 'How it works',
      async run(c) {
        const s = await c.serve();
        s.proc.kill('SIGINT');
        const done = await ends(s.proc, 'Ctrl+C (SIGINT)', 'an end');
        if (existsSync(s.path ?? ''))
          throw new Miss('Ctrl+C', 'no socket file left behind', 'the file is still there');
        if (/^\s+at /m.test(done.stderr))
          throw new Miss('Ctrl+C', 'a quiet end', `a stack trace${theirs(s.proc)}`);
      },
    },
  ],
};

export const client19: CheckSet = {
  lesson: '19',
  script: '19-unix-client.ts',
  role: 'client',
  checks: [
    // Lesson 02's, with the checker listening on a socket path of the check's own.
    ...lockStepClient((c) => listen(c, socketPath(c)), '--path'),
    ...(['no file', 'a stale socket file'] as const).map((what) => ({
      name: `${what} at --path: one line that says to start the server, exit 1`,
      section: 'Run it',
      async run(c: Context) {
        const path = socketPath(c);
        if (what !== 'no file') staleSocket(path); // else an empty folder of the check's own
        const proc = c.client({ port: Number.NaN, path }, { input: ['hello'] });
        const sent = `--path to ${what}`;
        const expected =
          'one line "nothing is listening on … — start … first" (ENOENT, ECONNREFUSED), exit code 1';
        await failsInOneLine(proc, sent, expected, /nothing is listening/);
      },
    })),
  ],
};

export const exercises1819: Exercise[] = [
  {
    id: '18-stale',
    lesson: '18',
    script: '18-unix-server.ts',
    title: 'a socket file in the way: replace a stale one, leave anything else alone',
    task: [
      'The path is taken (EADDRINUSE). Delete it and listen again only if it is a socket file',
      'that no server answers on (one left by a server that died). A file that is not a socket:',
      "throw the error with code 'ENOTSOCK'. A socket a live server answers on: throw `err`.",
    ].join('\n'),
    hints: [
      '`lstatSync(at).isSocket()` tells a socket file from a regular file or a folder.',
      '`answers(at)` (below) connects: ECONNREFUSED means no one listens there any more.',
      '`unlinkSync(at)`, then `return listen(at)`: the second try finds the path free.',
    ],
    zh: {
      title: '路径被一个套接字文件占着：替换残留的，别的一概不动',
      task: "路径已被占用（EADDRINUSE）。只有当它是一个没有服务端在上面回答的套接字文件（由一个已经死掉的服务端留下）时，才删除它并重新监听。不是套接字的文件：抛出 code 为 'ENOTSOCK' 的错误。有活着的服务端在上面回答的套接字：抛出 `err`。",
      hints: [
        '`lstatSync(at).isSocket()` 能把套接字文件和普通文件、文件夹区分开。',
        '`answers(at)`（在下面）会去连接：ECONNREFUSED 表示那里已经没有进程在监听了。',
        '`unlinkSync(at)`，然后 `return listen(at)`：第二次尝试时路径就空出来了。',
      ],
    },
  },
];

export const wrong1819: Wrong[] = [
  {
    lesson: '18',
    what: 'a stale socket file never replaced',
    edits: [['if (await answers(at)) throw err;', 'throw err;']],
    fails: 'stale socket file',
    says: /exited \(1\)[\s\S]*already in use/,
  },
  {
    lesson: '18',
    what: 'whatever is at the path deleted (no lstat: a file of notes is lost)',
    edits: [
      [
        "if (!lstatSync(at).isSocket()) throw Object.assign(err as Error, { code: 'ENOTSOCK' });",
        '',
      ],
    ],
    fails: 'regular file is left alone',
    says: /the file was deleted/,
  },
  {
    lesson: '18',
    what: 'the socket file made with the umask it finds (no umask(0o177))',
    edits: [['process.umask(0o177)', 'process.umask()']],
    fails: 'owner-only',
    says: /mode s7[57]5/,
  },
  {
    lesson: '19',
    what: 'a hard-coded path',
    edits: [['connect(address)', "connect('/tmp/sockets-kit-hard-coded.sock')"]],
    fails: 'connects to --path',
    says: /without connecting|none came/,
  },
];
