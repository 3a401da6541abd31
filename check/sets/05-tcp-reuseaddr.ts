/**
 * Lesson 05: the server that answers one client and closes first, so that its own port holds
 * the TIME_WAIT, and a restart on that port binds all the same (SO_REUSEADDR, which libuv sets on
 * every TCP socket it binds). Its client is 02, whose set is in 01-02-tcp-chat.ts; a copy of 05 is
 * checked as a server, with the checker as its client.
 */
import { occupiedPort, output, settled, tcpSockets } from '../../test/harness.ts';
import {
  type CheckSet,
  connectTo,
  exitsWith,
  failsInOneLine,
  lastWords,
  Miss,
  prints,
  shown,
  type Wrong,
} from '../checks.ts';
import type { Exercise } from '../exercises.ts';

/** Whether a connection on `port` sits in TIME_WAIT on that side; undefined where the kernel's
 * table cannot be read (not Linux): then the check goes on without that evidence. */
function inTimeWait(port: number): boolean | undefined {
  try {
    return tcpSockets(port).some((x) => x.localPort === port && x.state === 'TIME_WAIT');
  } catch {
    return undefined;
  }
}

/** What Python 3's print() shows for these bytes (python3 -c 'print(b"...")'). */
const REPRS: [string, Buffer, string][] = [
  ['你好 (six UTF-8 bytes)', Buffer.from('你好'), "b'\\xe4\\xbd\\xa0\\xe5\\xa5\\xbd'"],
  ["it's (a ' alone)", Buffer.from("it's"), `b"it's"`],
  ['a tab and a backslash', Buffer.from('a\tb\\c'), "b'a\\tb\\\\c'"],
];

export const server05: CheckSet = {
  lesson: '05',
  script: '05-tcp-reuseaddr-server.ts',
  role: 'server',
  checks: [
    {
      name: "prints the client's first message as Python prints bytes: b'hello'",
      section: 'How it works',
      async run(c) {
        const s = await c.serve();
        const peer = await connectTo(c, s);
        peer.socket.write('hello');
        await prints(s.proc, "\nb'hello'\n", 'hello', `the line "b'hello'"`);
      },
    },
    {
      name: 'answers hi, closes the connection first, and ends with exit 0',
      section: 'How it works',
      async run(c) {
        const s = await c.serve();
        const peer = await connectTo(c, s);
        peer.socket.write('hello'); // and the checker keeps its side open: the server closes first
        await peer.receives('hi', 'hello');
        await peer.closed('hello', 'the server closes the connection (FIN) after hi');
        if (peer.text() !== 'hi')
          throw new Miss('hello', 'exactly "hi"', `it sent ${shown(peer.text())}`);
        await exitsWith(s.proc, 0, 'hello', 'exit code 0 once its one client is answered');
      },
    },
    {
      name: 'non-ASCII bytes, quotes and escapes are printed as Python prints them',
      section: 'How it works',
      async run(c) {
        await Promise.all(
          REPRS.map(async ([what, payload, repr]) => {
            const s = await c.serve();
            const peer = await connectTo(c, s);
            peer.socket.write(payload);
            await prints(s.proc, `\n${repr}\n`, what, shown(repr));
          }),
        );
      },
    },
    {
      name: 'takes at most 1024 bytes in its one read, as recv(1024) does',
      section: 'How it works',
      async run(c) {
        const s = await c.serve();
        const peer = await connectTo(c, s); // reset at the end: the server leaves bytes unread
        const sent = '200000 bytes "aaa…" at once';
        peer.socket.end(Buffer.alloc(200_000, 'a'));
        await prints(s.proc, "'\n", sent, "a line b'…'");
        const line = output(s.proc).stdout.split('\n')[1] ?? '';
        const bytes = /^b'(a*)'$/.exec(line)?.[1]?.length;
        if (bytes !== 1024)
          throw new Miss(
            sent,
            "one line b'aaa…' of 1024 bytes (a read of its own takes all that has arrived)",
            bytes === undefined ? `it printed ${shown(line)}` : `a line of ${bytes} bytes`,
          );
      },
    },
    {
      name: 'a client that closes without a word: it says so, exit 0',
      section: 'Differences from the Python listing',
      async run(c) {
        const s = await c.serve();
        const peer = await connectTo(c, s);
        peer.socket.end();
        await prints(s.proc, '(the client closed the connection)', 'a FIN, no bytes');
        await exitsWith(s.proc, 0, 'a FIN, no bytes', 'exit code 0');
      },
    },
    {
      name: 'a client that resets before it says anything: one line on stderr, exit 1',
      section: 'Differences from the Python listing',
      async run(c) {
        const s = await c.serve();
        const peer = await connectTo(c, s);
        peer.socket.resetAndDestroy();
        const sent = 'a reset (RST), no bytes';
        await failsInOneLine(s.proc, sent, 'exit code 1 and one line on stderr', /./);
      },
    },
    {
      name: 'restarts at once on the same port, while the last connection waits in TIME_WAIT',
      section: 'TIME_WAIT, and what SO_REUSEADDR is for',
      async run(c) {
        const s = await c.serve();
        const peer = await connectTo(c, s);
        peer.socket.write('hello');
        await peer.receives('hi', 'hello');
        await peer.closed('hello', 'the server closes the connection first');
        peer.socket.end(); // the checker's FIN, once the server's came: its side is in TIME_WAIT
        await settled(() => inTimeWait(s.port) !== false);
        if (inTimeWait(s.port) === false)
          throw new Miss(
            'hello, then a FIN after the server closed',
            `the old connection in TIME_WAIT on port ${s.port} (the side that closes first)`,
            'no TIME_WAIT on that port',
          );
        const sent = `a second start with --port ${s.port}, right after the first`;
        const again = c.start({ args: ['--port', String(s.port)] });
        const expected = `"listening on 127.0.0.1:${s.port}" beside the TIME_WAIT`;
        await prints(again, `listening on 127.0.0.1:${s.port}\n`, sent, expected).catch(() => {
          const said = output(again).stderr.trim().split('\n')[0];
          const first = s.proc.exitCode === null ? '; your first copy is still running' : '';
          const why = first && ' (does it stop listening after its one client?)';
          throw new Miss(
            sent,
            expected,
            `${said ? shown(said, 100) : lastWords(again)}${first}${why}`,
          );
        });
        const next = await connectTo(c, { ...s, proc: again });
        next.socket.write('again');
        await next.receives('hi', 'again, to the restarted server');
      },
    },
    {
      name: 'a port in use by a live server: one line that says so, exit 1',
      section: 'Run it',
      async run(c) {
        const port = await occupiedPort(c);
        const proc = c.start({ args: ['--port', String(port)] });
        const sent = `--port ${port}, where a server already listens`;
        const expected = 'exit code 1 and one line "… is already in use — …"';
        await failsInOneLine(proc, sent, expected, /already in use/);
      },
    },
  ],
};

export const exercises05: Exercise[] = [
  {
    id: '05-bytes',
    lesson: '05',
    script: '05-tcp-reuseaddr-server.ts',
    title: "print bytes as Python's print(b) shows them: b'hello'",
    task: [
      "Return the text Python prints for `bytes`: b'…' around the bytes, printable ASCII as it is,",
      '`\\t` `\\n` `\\r` and `\\\\` escaped, any other byte as `\\xhh` (two hex digits); single quotes, unless',
      'the bytes hold a \' and no ", then double quotes (and the quote used is escaped inside).',
    ].join('\n'),
    hints: [
      'Loop over the Buffer: each item is a number, 0 to 255. String.fromCharCode(b) is its character.',
      "A byte from 0x20 to 0x7e prints as itself; b.toString(16).padStart(2, '0') gives the two hex digits.",
      'Try it: python3 -c \'print(b"it\\x27s")\' prints b"it\'s"; the lesson\'s "How it works" lists every rule.',
    ],
    zh: {
      title: "像 Python 的 print(b) 那样打印字节：b'hello'",
      task: "返回 Python 打印 `bytes` 时的文本：字节外面是 b'…'；可打印的 ASCII 原样输出；`\\t` `\\n` `\\r` 和 `\\\\` 转义；其他字节一律写成 `\\xhh`（两位十六进制数）；用单引号，除非字节里有 ' 而没有 \"，这时用双引号（用到的那种引号在里面要转义）。",
      hints: [
        '逐个遍历 Buffer：每一项是一个数，从 0 到 255。String.fromCharCode(b) 是它对应的字符。',
        "0x20 到 0x7e 的字节原样打印；b.toString(16).padStart(2, '0') 给出两位十六进制数。",
        '试一试：python3 -c \'print(b"it\\x27s")\' 打印 b"it\'s"；本课的“原理”一节列出了每一条规则。',
      ],
    },
  },
];

export const wrong05: Wrong[] = [
  {
    lesson: '05',
    what: 'a server that never stops listening (no server.close() after its one client)',
    edits: [['server.close(); // sk.close(): one client only', '']],
    fails: 'restarts at once',
    says: /already in use.*still running/,
  },
  {
    lesson: '05',
    what: 'the first read taken whole, not recv(1024)',
    edits: [['conn.read(Math.min(1024, conn.readableLength))', 'conn.read()']],
    fails: 'at most 1024 bytes',
    says: /a line of \d+ bytes/,
  },
  {
    lesson: '05',
    what: 'the bytes printed as text, not as Python prints bytes',
    edits: [['console.log(pyBytes(ret));', 'console.log(ret.toString());']],
    fails: "prints the client's first message",
    says: /b'hello'/,
  },
];
