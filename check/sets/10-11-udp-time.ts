/**
 * Lessons 10 and 11: the UDP time server. A copy of 10 is checked as a server, with the checker
 * asking it for the time in formats fair and hostile; a copy of 11 as a client, with the checker
 * as its server.
 */
import type { Server } from '../../test/harness.ts';
import {
  type Check,
  type CheckSet,
  type Context,
  type Datagrams,
  exitsWith,
  failsInOneLine,
  Miss,
  prints,
  shown,
  type Wrong,
} from '../checks.ts';
import type { Exercise } from '../exercises.ts';
import {
  answer,
  arrives,
  givesUp,
  noServer,
  obeysTimeout,
  playing,
  same,
  served,
  settle,
  tooLong,
  waitsInCode,
} from './03-04-udp-echo.ts';

const PROMPT = '请输入想要的格式(或者直接回车默认格式):>>>';
const DEFAULT_FORMAT = '%Y-%m-%d %H-%M-%S';
const DAY = '(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH =
  '(January|February|March|April|May|June|July|August|September|October|November|December)';

/** Ask a time server, and a Miss unless the answer matches. */
async function expect(
  s: Server,
  peer: Datagrams,
  format: string | Buffer,
  wanted: RegExp | string,
  what = '',
) {
  const sent = typeof format === 'string' ? shown(format) : `bytes ${format.toString('hex')}`;
  const got = (await answer(s, peer, format, sent)).data;
  if (typeof wanted === 'string') return same(got, wanted, sent, what);
  if (!wanted.test(got.toString())) throw new Miss(sent, what || String(wanted), shown(got));
}

/** A format that would make an answer far bigger than itself must get a short refusal. */
async function refused(s: Server, peer: Datagrams, format: string, why: string) {
  const size = Buffer.byteLength(format);
  const sent = `${shown(format, 12)} (${size} bytes, ${why})`;
  const got = (await answer(s, peer, format, sent)).data;
  if (got.length >= size)
    throw new Miss(
      sent,
      `a refusal shorter than the format (no answer bigger than its ask)`,
      `${got.length} bytes, ${shown(got, 30)}`,
    );
}

// ---- lesson 10: the server --------------------------------------------------------------------

export const server10: CheckSet = {
  lesson: '10',
  script: '10-udp-time-server.ts',
  role: 'server',
  checks: [
    {
      name: 'answers a format with the time in it, to the port that asked',
      section: 'How it works',
      async run(c) {
        const { s, peer } = await served(c);
        await expect(
          s,
          peer,
          DEFAULT_FORMAT,
          /^\d{4}-\d\d-\d\d \d\d-\d\d-\d\d$/,
          'the time, like "2025-01-31 23-59-59"',
        );
        const year = new Date().getFullYear();
        await expect(s, peer, '%Y', new RegExp(`^(${year}|${year + 1})$`), `the year, ${year}`);
      },
    },
    {
      name: 'prints each format it is sent',
      section: 'Transcript',
      async run(c) {
        const { s, peer } = await served(c);
        await answer(s, peer, '%H:%M', '"%H:%M"');
        await prints(s.proc, '\n%H:%M', '"%H:%M"', 'the format "%H:%M" on a line');
      },
    },
    {
      name: "knows strftime's directives: %a %A %b %B %c %d %H %I %j %m %M %p %S %U %w %W %x %X %y %z",
      section: 'How it works',
      async run(c) {
        const { s, peer } = await served(c);
        const table: [string, RegExp, string][] = [
          [
            '%A %d %B %Y, %I:%M:%S %p',
            new RegExp(`^${DAY} \\d\\d ${MONTH} \\d{4}, \\d\\d:\\d\\d:\\d\\d (AM|PM)$`),
            '"Friday 31 January 2025, 11:59:59 PM"',
          ],
          [
            '%a %b %H',
            /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d$/,
            '"Fri Jan 23"',
          ],
          [
            '%c',
            /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/,
            '"Fri Jan 31 23:59:59 2025" (day space-padded)',
          ],
          ['%j %U %W %w', /^\d{3} \d\d \d\d [0-6]$/, '"031 04 05 5"'],
          [
            '%x %X %y %m',
            /^\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d \d\d \d\d$/,
            '"01/31/25 23:59:59 25 01"',
          ],
          ['%z', /^[+-]\d{4}$/, '"+0800"'],
        ];
        for (const [format, pattern, like] of table) await expect(s, peer, format, pattern, like);
      },
    },
    {
      name: '%% is one %; unknown directives and a lone % stay as written',
      section: 'How it works',
      async run(c) {
        const { s, peer } = await served(c);
        await expect(s, peer, '100%%', '100%');
        await expect(s, peer, '%Q %E', '%Q %E', '"%Q %E", as written');
        await expect(s, peer, '100%', '100%', '"100%", as written');
      },
    },
    {
      name: 'a format that asks for a huge answer gets a short refusal (no amplification)',
      section: 'How it works',
      async run(c) {
        const { s, peer } = await served(c);
        await refused(s, peer, '%c'.repeat(60), 'asking for 1,440');
        await refused(s, peer, '%c'.repeat(100), 'asking for 2,400');
        await expect(s, peer, '%%', '%', '"%": it goes on');
      },
    },
    {
      name: 'oversized datagrams (60,000 and 65,507 bytes): a short refusal, and it goes on',
      section: 'How it works',
      async run(c) {
        const { s, peer } = await served(c);
        await refused(s, peer, 'x'.repeat(60_000), 'an oversized datagram');
        await refused(s, peer, '%'.repeat(65_507), 'the largest datagram');
        await expect(s, peer, '%%', '%', '"%": it goes on');
      },
    },
    {
      name: 'invalid UTF-8 and an empty datagram are answered, and it goes on',
      section: 'Differences from the Python listing',
      async run(c) {
        const { s, peer } = await served(c);
        await expect(s, peer, Buffer.from([0xff, 0x25, 0x25]), '\uFFFD%', '"�%" (decoded with �)');
        await expect(s, peer, Buffer.alloc(0), '', 'an empty answer');
        await expect(s, peer, '%%', '%', '"%": it goes on');
      },
    },
    {
      name: 'a datagram "bye" stops it, unanswered, exit 0',
      section: 'How it works',
      async run(c) {
        const { s, peer } = await served(c);
        await expect(s, peer, '%%', '%', '"%"');
        peer.send('bye', s.port);
        await exitsWith(s.proc, 0, '"bye"', 'exit code 0');
        await settle(peer);
        if (peer.got.length !== 1)
          throw new Miss(
            '"bye"',
            'no answer to it',
            `an answer, ${shown(peer.got.at(-1)?.data ?? '')}`,
          );
      },
    },
  ],
};

// ---- lesson 11: the client --------------------------------------------------------------------

const LONG = ['--timeout', '30']; // where an answer is expected: a busy machine never misses it
const TIME = '2025-01-31 23-59-59';

export const client11: CheckSet = {
  lesson: '11',
  script: '11-udp-time-client.ts',
  role: 'client',
  checks: [
    {
      name: 'sends the typed format to --port, stripped of spaces',
      section: 'How it works',
      async run(c) {
        const peer = await playing(c, () => [TIME]);
        const proc = c.client(peer, { args: LONG, input: ['  %Y  '] });
        const got = await arrives(peer, 1, proc, '--port, and "  %Y  " typed', 'a datagram');
        same(got.data, '%Y', '"  %Y  " typed', '"%Y" (strip())');
      },
    },
    {
      name: 'prints the answer, then asks for the next format; ends at end of input',
      section: 'Transcript',
      async run(c) {
        const peer = await playing(c, () => [TIME]);
        const proc = c.client(peer, { args: LONG, input: ['%c'] });
        await prints(
          proc,
          `${PROMPT}${TIME}\n${PROMPT}`,
          `the answer "${TIME}"`,
          `"${TIME}" between two prompts`,
        );
        await exitsWith(proc, 0, 'the end of input', 'exit code 0');
      },
    },
    {
      name: 'an empty line sends the default format, and says so',
      section: 'How it works',
      async run(c) {
        const peer = await playing(c, () => [TIME]);
        const proc = c.client(peer, { args: LONG, input: [''] });
        const got = await arrives(peer, 1, proc, 'an empty line', 'a datagram');
        same(got.data, DEFAULT_FORMAT, 'an empty line', `the default format, "${DEFAULT_FORMAT}"`);
        await prints(proc, `你没输入格式,那就默认啦!${DEFAULT_FORMAT}\n${TIME}\n`, 'an empty line');
      },
    },
    {
      name: 'bye, in any case, ends it without sending it, exit 0',
      section: 'How it works',
      async run(c) {
        const peer = await playing(c, () => [TIME]);
        const proc = c.client(peer, { args: LONG, input: ['%Y', 'ByE', 'never sent'] });
        const sent = '"%Y", then "ByE"';
        await arrives(peer, 1, proc, sent, 'a datagram');
        await exitsWith(proc, 0, sent, 'exit code 0');
        await settle(peer);
        if (peer.got.length !== 1)
          throw new Miss(
            sent,
            'one datagram, "%Y"',
            `${peer.got.length}: ${peer.got.map((d) => shown(d.data, 20)).join(', ')}`,
          );
      },
    },
    {
      name: 'an answer that is not UTF-8 is printed with �, not a crash',
      section: 'How it works',
      async run(c) {
        const peer = await playing(c, () => [Buffer.from([0xff, 0x32, 0x30])]);
        const proc = c.client(peer, { args: LONG, input: ['%y'] });
        const sent = 'the answer ff 32 30 ("20" after a byte that is not UTF-8)';
        await prints(proc, `${PROMPT}\uFFFD20\n`, sent, '"�20"');
        await exitsWith(proc, 0, sent, 'exit code 0 at the end of input');
      },
    },
    ...obeysTimeout(
      '%c',
      () => [TIME],
      () => `${PROMPT}${TIME}\n`,
    ),
    givesUp('10-udp-time-server.ts'),
    noServer('one line naming the address ("no answer from 127.0.0.1:PORT …"), exit 1'),
    tooLong(LONG),
  ],
};

// ---- exercises and wrong solutions -------------------------------------------------------------

/** 10-formats: %D and %s, as Python's time.strftime (glibc's) prints them. */
const formats: Check[] = [
  {
    name: 'exercise 10-formats: %D is %m/%d/%y, %s the seconds since 1970',
    section: 'Try this',
    async run(c: Context) {
      const { s, peer } = await served(c);
      const [D, mdy] = [
        (await answer(s, peer, '%D', '"%D"')).data,
        (await answer(s, peer, '%m/%d/%y', '"%m/%d/%y"')).data,
      ];
      if (!/^\d\d\/\d\d\/\d\d$/.test(String(D)) || !D.equals(mdy))
        throw new Miss(
          '"%D", then "%m/%d/%y"',
          `the same answer twice, like "${String(mdy)}"`,
          shown(D),
        );
      const before = Math.floor(Date.now() / 1000);
      const got = String((await answer(s, peer, '%s', '"%s"')).data);
      const after = Math.ceil(Date.now() / 1000);
      const seconds = Number(got);
      if (!/^\d+$/.test(got) || seconds < before || seconds > after)
        throw new Miss(
          '"%s"',
          `the seconds since 1970, from ${before} to ${after} (asked, answered)`,
          shown(got),
        );
    },
  },
];

/** 11-retry: a lost question is asked again, up to 3 times in all. */
const retry: Check[] = [
  {
    name: 'exercise 11-retry: a format that got no answer is sent again, and that answer printed',
    section: 'Try this',
    async run(c: Context) {
      const peer = await playing(c, (_, n) => (n === 1 ? [] : [TIME])); // the first one is "lost"
      const proc = c.client(peer, { args: ['--timeout', '1'], input: ['%c'] });
      const sent = '"%c", the first copy lost (no answer)';
      const again = await arrives(peer, 2, proc, sent, 'the same datagram again');
      same(again.data, '%c', sent, '"%c" again');
      await prints(proc, `${TIME}\n`, `${sent}, the second answered`, `the answer, "${TIME}"`);
      await exitsWith(proc, 0, `${sent}, the second answered`, 'exit code 0 at the end of input');
    },
  },
  {
    name: 'exercise 11-retry: 3 tries in all, then one line, exit 1',
    section: 'Try this',
    async run(c: Context) {
      const peer = await playing(c);
      const proc = c.client(peer, { args: ['--timeout', '0.3'], input: ['%c'] });
      const sent = '"%c", and never an answer';
      await arrives(peer, 1, proc, sent, 'a datagram');
      const expected = 'one line after the third try, exit 1';
      await failsInOneLine(proc, sent, expected, new RegExp(`:${peer.port}\\b`));
      await settle(peer);
      const copies = peer.got.filter((d) => d.data.equals(Buffer.from('%c'))).length;
      if (copies !== 3 || peer.got.length !== 3)
        throw new Miss(
          sent,
          '"%c" 3 times in all',
          `${peer.got.length} in all, ${copies} of them "%c"`,
        );
    },
  },
];

export const exercises1011: Exercise[] = [
  {
    id: '10-formats',
    lesson: '10',
    script: '10-udp-time-server.ts',
    title: 'two more directives: %D and %s',
    task: [
      'Teach the table `%D`, which stands for `%m/%d/%y`, and `%s`, the whole seconds since',
      '1970-01-01 00:00 UTC (what Python prints for `time.strftime("%D %s")`).',
    ].join('\n'),
    hints: [
      'A directive is either the format it stands for (a string) or a function of the time.',
      '`t.getTime()` is the milliseconds since 1970, the same in every time zone.',
      'Check yourself: `python3 -c \'import time; print(time.strftime("%D %s"))\'`.',
    ],
    zh: {
      title: '再加两个指令：%D 和 %s',
      task: '让这张表认识 `%D` 和 `%s`：`%D` 代表 `%m/%d/%y`；`%s` 是从 1970-01-01 00:00 UTC 起的整秒数（也就是 Python 对 `time.strftime("%D %s")` 打印的内容）。',
      hints: [
        '一个指令要么是它所代表的格式（一个字符串），要么是一个以时间为参数的函数。',
        '`t.getTime()` 是从 1970 年起的毫秒数，在每个时区都一样。',
        '自己检查：`python3 -c \'import time; print(time.strftime("%D %s"))\'`。',
      ],
    },
    extra: formats,
  },
  {
    id: '11-retry',
    lesson: '11',
    script: '11-udp-time-client.ts',
    title: 'retry: a UDP datagram may be lost, so ask again',
    task: [
      'Before the answer is read below: if none comes within `timeout` seconds, send the format',
      'again; 3 tries in all, then let `recvfrom()` give up as it does. Say each retry on a line.',
    ].join('\n'),
    hints: [
      '`received` keeps every datagram; a listener of your own, `sk.once("message", …)`, only tells you one came.',
      'Race that listener against a timer of `timeout * 1000` ms; remove the one that lost.',
      'A late answer to the first copy may come after the retry: lesson 23 deals with that.',
    ],
    zh: {
      title: '重试：UDP 数据报可能丢失，那就再问一次',
      task: '在下面读取回答之前：如果 `timeout` 秒内没有回答，就把格式再发一次；一共试 3 次，然后让 `recvfrom()` 像现在这样放弃。每次重试都打印一行说明。',
      hints: [
        '`received` 保存着每一个数据报；你自己的监听器 `sk.once("message", …)` 只告诉你来了一个。',
        '让这个监听器和一个 `timeout * 1000` ms 的定时器赛跑；输掉的那个要移除。',
        '第一次发出的格式，它的回答可能迟到，在重试之后才到：第 23 课处理了这种情况。',
      ],
    },
    extra: retry,
  },
];

export const wrong1011: Wrong[] = [
  {
    lesson: '10',
    what: 'no cap: any format formatted, however big the answer',
    edits: [
      ['const strTime = answer(data.length, msg);', 'const strTime = strftime(msg, new Date());'],
    ],
    fails: 'huge answer',
    says: /expected a refusal shorter than the format .*; got \d{4,} bytes/,
  },
  {
    lesson: '11',
    what: 'a UDP client with no timeout',
    edits: [
      [
        'const [msg] = await recvfrom(received);',
        'const [msg] = (await received.next()).value; // for ever',
      ],
    ],
    fails: 'never answers',
    says: /still running after/,
  },
  {
    lesson: '11',
    what: 'an empty line sent as it is, not the default format',
    edits: [['formatType = DEFAULT_FORMAT;', '']],
    fails: 'empty line sends the default format',
    says: /expected the default format, "%Y-%m-%d %H-%M-%S"; got ""/,
  },
  ...waitsInCode('11', TIME),
];
