/**
 * Lessons 27 and 28: HTTP/1.1 on raw sockets. A copy of 27 is checked as a server, with the
 * checker as its client (raw bytes, so that nothing tidies a request on its way); a copy of 28 as
 * a client, with the checker as an HTTP server that answers in the ways lesson 28 reads.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Server, until } from '../../test/harness.ts';
import {
  type CheckSet,
  type Context,
  connectTo,
  exitsWith,
  failsInOneLine,
  folder,
  listen,
  Miss,
  prints,
  shown,
  WAIT_MS,
  type Wrong,
} from '../checks.ts';
import type { Exercise } from '../exercises.ts';
import { nothingListening } from './01-02-tcp-chat.ts';

const CHINESE = '你好, 世界: HTTP counts bytes\n'; // 26 characters, 34 bytes
const SECRET = 'the secret beside --dir';

/** A folder for 27 to serve, made for this check: a file, a Chinese one, a way out. */
function site(c: Context) {
  const top = folder(c);
  const www = join(top, 'www');
  mkdirSync(www);
  writeFileSync(join(top, 'secret.txt'), SECRET);
  writeFileSync(join(www, 'a.txt'), 'plain text\n');
  writeFileSync(join(www, '中文.txt'), CHINESE);
  symlinkSync(join(top, 'secret.txt'), join(www, 'out.txt'));
  return www;
}

/** 27 serving a fresh folder. */
async function served(c: Context): Promise<Server> {
  return c.serve({ args: ['--dir', site(c)] });
}

interface Answer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** Send `request` (pieces, with a turn of the loop between them) and read `count` answers, each
 * with a Content-Length; `heads` marks the answers to HEAD (no body). */
async function ask(
  c: Context,
  s: Server,
  pieces: (string | Buffer)[],
  count = 1,
  heads: boolean[] = [],
) {
  const peer = await connectTo(c, s);
  for (const piece of pieces) {
    peer.socket.write(piece);
    if (pieces.length > 1) await new Promise((next) => setTimeout(next, 1));
  }
  const sent = shown(Buffer.concat(pieces.map((p) => Buffer.from(p))).toString(), 50);
  let answers: Answer[] = [];
  const whole = () => {
    answers = parse(Buffer.from(peer.text()), heads);
    return answers.length >= count ? 'whole' : '';
  };
  await until(whole, 'whole', 'the program', WAIT_MS).catch(() => {
    const expected = `${count} whole answer(s), each as long as its Content-Length`;
    throw new Miss(sent, expected, peer.text() ? shown(peer.text(), 120) : 'nothing');
  });
  return { answers, peer, sent };
}

/** The whole answers in `bytes`; one whose body is not all there yet is left out. */
function parse(bytes: Buffer, heads: boolean[]): Answer[] {
  const found: Answer[] = [];
  let rest = bytes;
  while (rest.length) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) break;
    const [line = '', ...fields] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const headers = new Map(
      fields.map((f) => [
        f.slice(0, f.indexOf(':')).toLowerCase(),
        f.slice(f.indexOf(':') + 1).trim(),
      ]),
    );
    const length = heads[found.length] ? 0 : Number(headers.get('content-length') ?? Number.NaN);
    if (Number.isNaN(length) || rest.length < end + 4 + length) break;
    const body = rest.subarray(end + 4, end + 4 + length).toString('utf8');
    found.push({ status: Number(line.split(' ')[1]), headers, body });
    rest = rest.subarray(end + 4 + length);
  }
  return found;
}

const get = (path: string, more = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${more}\r\n`;

/** A Miss unless `answer` has this status. */
function expectStatus(answer: Answer | undefined, status: number, sent: string, why = '') {
  if (answer?.status !== status)
    throw new Miss(sent, `${status}${why}`, answer ? `${answer.status}` : 'no answer');
}

export const server27: CheckSet = {
  lesson: '27',
  script: '27-http-server.ts',
  role: 'server',
  checks: [
    {
      name: 'answers a GET with the file, and a Content-Length that counts bytes',
      section: 'How it works',
      async run(c) {
        const s = await served(c);
        const { answers, sent } = await ask(c, s, [get(`/${encodeURIComponent('中文.txt')}`)]);
        expectStatus(answers[0], 200, sent);
        const length = answers[0]?.headers.get('content-length');
        if (length !== '34')
          throw new Miss(
            sent,
            'Content-Length: 34 (bytes; the text is 26 characters)',
            `Content-Length: ${length}`,
          );
        if (answers[0]?.body !== CHINESE)
          throw new Miss(sent, shown(CHINESE), shown(answers[0]?.body ?? ''));
      },
    },
    {
      name: 'a request sent one byte at a time gets one whole answer',
      section: 'How it works',
      async run(c) {
        const s = await served(c);
        const bytes = [...Buffer.from(get('/a.txt'))].map((b) => Buffer.from([b]));
        const { answers, sent } = await ask(c, s, bytes);
        expectStatus(answers[0], 200, `${sent}, one byte a write`);
      },
    },
    {
      name: 'two requests in one write: two answers, in order, on the same connection',
      section: 'How it works',
      async run(c) {
        const s = await served(c);
        const { answers, sent } = await ask(c, s, [get('/a.txt') + get('/nope')], 2);
        expectStatus(answers[0], 200, sent, ' for /a.txt first');
        expectStatus(answers[1], 404, sent, ' for /nope second');
      },
    },
    {
      name: 'HEAD gets the head a GET would get, and no body',
      section: 'How it works',
      async run(c) {
        const s = await served(c);
        const two = `HEAD /a.txt HTTP/1.1\r\nHost: x\r\n\r\n${get('/a.txt')}`;
        const { answers, sent } = await ask(c, s, [two], 2, [true, false]);
        expectStatus(answers[0], 200, sent);
        if (
          answers[0]?.headers.get('content-length') !== '11' ||
          answers[1]?.body !== 'plain text\n'
        )
          throw new Miss(
            sent,
            "HEAD: Content-Length: 11 and no body; then the GET's 11 bytes",
            shown(answers.map((a) => a.body).join('|')),
          );
      },
    },
    {
      name: 'another method: 405 with Allow: GET, HEAD',
      section: 'How it works',
      async run(c) {
        const s = await served(c);
        const { answers, sent } = await ask(c, s, ['DELETE /a.txt HTTP/1.1\r\nHost: x\r\n\r\n']);
        expectStatus(answers[0], 405, sent);
        if (answers[0]?.headers.get('allow') !== 'GET, HEAD')
          throw new Miss(sent, 'Allow: GET, HEAD', `Allow: ${answers[0]?.headers.get('allow')}`);
      },
    },
    {
      name: 'HTTP/1.1 with no Host, or a line that is not a header: 400',
      section: 'How it works',
      async run(c) {
        const s = await served(c);
        for (const bad of ['GET /a.txt HTTP/1.1\r\n\r\n', get('/a.txt', 'no colon here\r\n')]) {
          const { answers, sent } = await ask(c, s, [bad]);
          expectStatus(answers[0], 400, sent);
        }
      },
    },
    {
      name: 'a request line over 8 KiB: 414; a head over 16 KiB: 431',
      section: 'How it works',
      async run(c) {
        const s = await served(c);
        const long = await ask(c, s, [get(`/${'a'.repeat(9000)}`)]);
        expectStatus(long.answers[0], 414, 'a 9,000-byte request line');
        const big = await ask(c, s, [get('/a.txt', `X-Big: ${'b'.repeat(17_000)}\r\n`)]);
        expectStatus(big.answers[0], 431, 'a 17,000-byte header');
      },
    },
    {
      name: 'never a file outside --dir: .., %2e%2e, a symlink out',
      section: 'How it works',
      async run(c) {
        const s = await served(c);
        for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/out.txt']) {
          const { answers, sent } = await ask(c, s, [get(path)]);
          if (!answers[0] || answers[0].body.includes(SECRET) || answers[0].status === 200)
            throw new Miss(
              sent,
              '404 (or 400), and never the file',
              `${answers[0]?.status} ${shown(answers[0]?.body ?? '')}`,
            );
        }
      },
    },
  ],
};

/** What the checker's server sends for each check of 28: a head, then a body in pieces. */
async function answered(c: Context, pieces: string[], path = '/x', args: string[] = []) {
  const server = await listen(c);
  const proc = c.client(server, { args: [path, ...args] });
  const peer = await server.next(`--port and ${path}`, proc);
  await peer.receives(/\r\n\r\n/, `--port and ${path}`);
  for (const piece of pieces) {
    peer.socket.write(piece);
    await new Promise((next) => setTimeout(next, 5));
  }
  return { proc, peer };
}

export const client28: CheckSet = {
  lesson: '28',
  script: '28-http-client.ts',
  role: 'client',
  checks: [
    {
      name: 'connects to --port and sends GET PATH HTTP/1.1 with a Host header',
      section: 'How it works',
      async run(c) {
        const server = await listen(c);
        const proc = c.client(server, { args: ['/a.txt'] });
        const peer = await server.next('--port and /a.txt', proc);
        await peer.receives(/\r\n\r\n/, '/a.txt');
        const text = peer.text();
        if (
          !text.startsWith('GET /a.txt HTTP/1.1\r\n') ||
          !/\r\nHost: 127\.0\.0\.1:\d+\r\n/i.test(text)
        )
          throw new Miss(
            '/a.txt',
            '"GET /a.txt HTTP/1.1", then "Host: 127.0.0.1:PORT"',
            shown(text, 100),
          );
      },
    },
    {
      name: 'prints the status line and the headers before the body has come',
      section: 'How it works',
      async run(c) {
        const { proc, peer } = await answered(c, [
          'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Seen: yes\r\n\r\n',
        ]);
        await prints(
          proc,
          'X-Seen: yes',
          'the head, and no body yet',
          '"HTTP/1.1 200 OK" and "X-Seen: yes" at once',
        );
        peer.socket.end('hello');
        await exitsWith(proc, 0, 'then the 5 bytes', 'exit code 0');
      },
    },
    {
      name: 'a Content-Length body cut into pieces: every byte counted',
      section: 'How it works',
      async run(c) {
        const head = 'HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n';
        const { proc } = await answered(c, [
          head.slice(0, 10),
          head.slice(10),
          '你好',
          ' wo',
          'rld',
        ]);
        await prints(
          proc,
          'body: 12 bytes',
          'a body of 12 bytes in four pieces, 你 and 好 whole',
          '"body: 12 bytes"',
        );
        await exitsWith(proc, 0, 'a whole answer', 'exit code 0');
      },
    },
    {
      name: 'a chunked body: the chunks put together, its size counted in bytes',
      section: 'How it works',
      async run(c) {
        const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
        const { proc } = await answered(c, [
          chunked,
          '5\r\nhello\r\n',
          'a\r\n0123456789\r\n',
          '0\r\n\r\n',
        ]);
        await prints(
          proc,
          'body: 15 bytes, in 2 chunks',
          'chunks of 5 and 10 bytes, then 0',
          '"body: 15 bytes, in 2 chunks"',
        );
        await exitsWith(proc, 0, 'a whole chunked answer', 'exit code 0');
      },
    },
    {
      name: 'no length, not chunked: the body ends when the server closes',
      section: 'How it works',
      async run(c) {
        const { proc, peer } = await answered(c, ['HTTP/1.1 200 OK\r\n\r\n', 'to the end']);
        peer.socket.end();
        await prints(proc, 'body: 10 bytes, until the server closed', '10 bytes, then a FIN');
        await exitsWith(proc, 0, '10 bytes, then a FIN', 'exit code 0');
      },
    },
    {
      name: 'a body cut short: one line on stderr, exit 1',
      section: 'Transcript',
      async run(c) {
        const { proc, peer } = await answered(c, [
          'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789',
        ]);
        peer.socket.end();
        const sent = '10 of a promised 100 bytes, then a FIN';
        const expected = 'exit code 1 and one line saying the answer is cut short';
        await failsInOneLine(proc, sent, expected, /cut short|90 bytes/);
      },
    },
    nothingListening(),
  ],
};

export const exercises2728: Exercise[] = [
  {
    id: '27-head',
    lesson: '27',
    script: '27-http-server.ts',
    title: 'find where each request head ends in the byte stream',
    task: [
      'Look in `pending` for the blank line that ends a head. Answer 414 for a request line over',
      'MAX_LINE bytes and 431 for a head over MAX_HEAD; if the head is not all there, `break` and',
      'wait for more bytes; else `respond()` to it, and keep what follows it in `pending`.',
    ].join('\n'),
    hints: [
      "`pending.toString('latin1')` gives one character per byte: its indexes count bytes.",
      'The head ends at `\\r\\n\\r\\n` (or `\\n\\n`): `/\\r?\\n\\r?\\n/.exec(text)` finds it and its length.',
      'Lesson 27, "A request is bytes up to a blank line"; lesson 16 did the same with a length.',
    ],
    zh: {
      title: '在字节流里找出每个请求的头部在哪里结束',
      task: '在 `pending` 里找结束头部的那个空行。请求行超过 MAX_LINE 字节时回答 414，头部超过 MAX_HEAD 时回答 431；头部还没有全部到达，就 `break`，等更多字节；否则 `respond()` 它，并把它后面的内容留在 `pending` 里。',
      hints: [
        "`pending.toString('latin1')` 每个字节给出一个字符：所以字符串的下标就是字节的下标。",
        '头部在 `\\r\\n\\r\\n`（或 `\\n\\n`）处结束：`/\\r?\\n\\r?\\n/.exec(text)` 找到它和它的长度。',
        '第 27 课“请求就是直到空行为止的字节”；第 16 课用长度做了同样的事。',
      ],
    },
  },
  {
    id: '27-inside',
    lesson: '27',
    script: '27-http-server.ts',
    title: 'find the file asked for, and never one outside --dir',
    task: [
      'Set `file` to the real path of `path` under `root` (symlinks followed; a folder: its',
      'index.html) and `info` to its stat(), or leave `info` undefined when there is no such file or',
      'it is outside `root`.',
    ].join('\n'),
    hints: [
      "`resolve(root, '.' + path)` folds `..` away; `await realpath(…)` follows symlinks, and fails if nothing is there.",
      'Inside means `relative(root, file)` does not start with `..`.',
      'Lesson 27, "Never a file outside --dir", and its table of attempts.',
    ],
    zh: {
      title: '找出请求的文件，绝不提供 --dir 之外的文件',
      task: '把 `file` 设为 `path` 在 `root` 下的真实路径（跟随符号链接；是文件夹就用它的 index.html），把 `info` 设为它的 stat()；没有这个文件，或者它在 `root` 之外时，让 `info` 保持 undefined。',
      hints: [
        "`resolve(root, '.' + path)` 化简掉 `..`；`await realpath(…)` 跟随符号链接，那里什么都没有时会失败。",
        '在里面，是指 `relative(root, file)` 不以 `..` 开头。',
        '第 27 课“绝不提供 --dir 之外的文件”，以及其中列出各种尝试的表。',
      ],
    },
  },
  {
    id: '28-chunked',
    lesson: '28',
    script: '28-http-client.ts',
    title: 'read a chunked body',
    task: [
      'Read chunks until one of size 0: each is its size in hex on a line (maybe with `;…` after',
      'it), its bytes (`take(n)`), and an empty line. Count them in `chunks`, then read the trailer',
      'lines up to a blank one.',
    ].join('\n'),
    hints: [
      '`hex()` reads and checks one size line; `line(what)` reads any line.',
      "A chunk's bytes may hold half a character: count bytes, never decode them.",
      'Lesson 28, "Three ways a body ends", shows a chunked body on the wire.',
    ],
    zh: {
      title: '读取分块的消息体',
      task: '一直读块，直到读到大小为 0 的那一块：每一块是一行十六进制的大小（后面可能跟着 `;…`）、它的字节（`take(n)`）和一个空行。用 `chunks` 记下块数，然后读尾部字段的各行，直到一个空行。',
      hints: [
        '`hex()` 读取并检查一行大小；`line(what)` 读取任意一行。',
        '一个块的字节里可能只有半个字符：数字节，绝不解码它们。',
        '第 28 课“消息体结束的三种方式”展示了网络上的一个分块消息体。',
      ],
    },
  },
];

export const wrong2728: Wrong[] = [
  {
    lesson: '27',
    what: 'Content-Length counted in characters',
    edits: [['const length = body.length;', 'const length = body.toString().length;']],
    fails: 'counts bytes',
    says: /Content-Length: 26/,
  },
  {
    lesson: '27',
    what: 'the path joined to --dir and served, unchecked',
    edits: [
      [
        'const info = file && !/^\\.\\.(\\/|$)/.test(relative(root, file)) ? await stat(file) : undefined;',
        'const info = file ? await stat(file) : undefined;',
      ],
    ],
    fails: 'outside --dir',
    says: /never the file/,
  },
  {
    lesson: '28',
    what: 'a chunked body read as if it ended at the close',
    edits: [
      ["else if (/chunked/i.test(headers.get('transfer-encoding') ?? ''))", 'else if (false)'],
    ],
    fails: 'chunked',
    says: /in 2 chunks/,
  },
];
