/**
 * Lessons 08 and 09: the "QQ" chat over UDP. A copy of 08 is checked as a server, with the
 * checker as its clients (09's yellow messages, and a Python client's plain bytes); a copy of 09
 * as a client, with the checker as its server, and as a stranger who sends it a datagram too.
 */
import { pause } from '../../test/harness.ts';
import { type CheckSet, datagrams, exitsWith, Miss, prints, shown, type Wrong } from '../checks.ts';
import type { Exercise } from '../exercises.ts';
import {
  answer,
  arrives,
  noServer,
  playing,
  same,
  served,
  settle,
  tooLong,
} from './03-04-udp-echo.ts';

/** What 09 sends for a typed line: the listing's '\033[33m来自client的消息 :%s\033[0m'. */
const yellow = (text: string) => `\x1b[33m来自client的消息 :${text}\x1b[0m`;
const from = (port: number) => `消息地址: ('127.0.0.1', ${port})`;

// ---- lesson 08: the server --------------------------------------------------------------------

export const server08: CheckSet = {
  lesson: '08',
  script: '08-udp-chat-server.ts',
  role: 'server',
  checks: [
    {
      name: 'prints who sent a message and what it says, then asks for an answer',
      section: 'Transcript',
      async run(c) {
        const { s, peer } = await served(c);
        peer.send(yellow('hi'), s.port);
        const all = `${from(peer.port)}\n${yellow('hi')}\n>>>`;
        await prints(s.proc, all, `09's "hi" from port ${peer.port}`, shown(all, 80));
      },
    },
    {
      name: 'sends the typed answer, as typed, to the address the message came from',
      section: 'How it works',
      async run(c) {
        const { s, peer } = await served(c, { input: ['hello, client'], open: true });
        const sent = `"hi", and "hello, client" typed at its prompt`;
        same((await answer(s, peer, yellow('hi'), sent)).data, 'hello, client', sent);
      },
    },
    {
      name: 'an empty typed line is an empty datagram',
      section: 'How it works',
      async run(c) {
        const { s, peer } = await served(c, { input: ['', 'x'], open: true });
        const sent = '"hi", and an empty line typed';
        same((await answer(s, peer, yellow('hi'), sent)).data, '', sent, 'an empty datagram');
        const then = await answer(s, peer, yellow('more'), '"more", and "x" typed');
        same(then.data, 'x', '"more", and "x" typed');
      },
    },
    {
      name: "a Python client's plain bye ends it: it answers bye, exit 0",
      section: 'How it works',
      async run(c) {
        const { s, peer } = await served(c);
        const back = '"bye" back, at once (not a typed answer)';
        same((await answer(s, peer, 'bye', '"bye"', back)).data, 'bye', '"bye"', back);
        await exitsWith(s.proc, 0, '"bye"', 'exit code 0');
      },
    },
    {
      name: "09's bye, in its colour codes, ends it too: it answers bye, exit 0",
      section: 'Differences from the Python listing',
      async run(c) {
        const { s, peer } = await served(c, { input: ['not bye'], open: true });
        const sent = `09's bye, ${shown(yellow('bye'))}`;
        const back = '"bye" back, at once (not a typed answer)';
        same((await answer(s, peer, yellow('bye'), sent, back)).data, 'bye', sent, back);
        await exitsWith(s.proc, 0, sent, 'exit code 0');
      },
    },
    {
      name: 'answers each client at its own address',
      section: 'How it works',
      async run(c) {
        const s = await c.serve({ input: ['to a', 'to b'], open: true });
        const [a, b] = [await datagrams(c), await datagrams(c)];
        same((await answer(s, a, yellow('I am a'), '"I am a" from a')).data, 'to a', '"I am a"');
        const sent = '"I am b" from another port, after a was answered';
        same((await answer(s, b, yellow('I am b'), sent)).data, 'to b', sent, '"to b", to b');
        await prints(s.proc, from(b.port), sent, shown(from(b.port)));
      },
    },
    {
      name: 'invalid UTF-8 does not stop it: printed with �, answered, and it goes on',
      section: 'Differences from the Python listing',
      async run(c) {
        const { s, peer } = await served(c, { input: ['a1', 'a2'], open: true });
        const sent = 'bytes ff 68 69 ("hi" after a byte that is not UTF-8)';
        same((await answer(s, peer, Buffer.from([0xff, 0x68, 0x69]), sent)).data, 'a1', sent);
        await prints(s.proc, '\uFFFDhi\n>>>', sent, '"�hi", then its prompt');
        const then = await answer(s, peer, yellow('next'), `${sent}, then "next"`);
        same(then.data, 'a2', `${sent}, then "next"`);
      },
    },
    {
      name: 'oversized datagrams (60,000 and 65,507 bytes): it prints 1024 bytes and goes on',
      section: 'How it works',
      async run(c) {
        const { s, peer } = await served(c, { input: ['a1', 'a2', 'a3'], open: true });
        const sent = '60,000 bytes of "x"';
        same((await answer(s, peer, 'x'.repeat(60_000), sent)).data, 'a1', sent);
        await prints(
          s.proc,
          `\n${'x'.repeat(1024)}\n>>>`,
          sent,
          '1024 bytes of "x" (recvfrom(1024))',
        );
        const largest = '65,507 bytes of "y"';
        same((await answer(s, peer, 'y'.repeat(65_507), largest)).data, 'a2', largest);
        await prints(s.proc, `\n${'y'.repeat(1024)}\n>>>`, largest, '1024 bytes of "y"');
        const then = await answer(s, peer, yellow('next'), `${largest}, then "next"`);
        same(then.data, 'a3', `${largest}, then "next"`);
      },
    },
    {
      name: 'end of input at its prompt: it says bye to the client and stops, exit 0',
      section: 'Differences from the Python listing',
      async run(c) {
        const { s, peer } = await served(c, { input: [] });
        const sent = '"hi", and the end of its input';
        same((await answer(s, peer, yellow('hi'), sent)).data, 'bye', sent, '"bye"');
        await exitsWith(s.proc, 0, sent, 'exit code 0');
      },
    },
  ],
};

// ---- lesson 09: the client --------------------------------------------------------------------

export const client09: CheckSet = {
  lesson: '09',
  script: '09-udp-chat-client.ts',
  role: 'client',
  checks: [
    {
      name: "sends the typed line to --port in the listing's yellow: ESC[33m来自client的消息 :…ESC[0m",
      section: 'How it works',
      async run(c) {
        const peer = await playing(c);
        const proc = c.client(peer, { input: ['héllo'], open: true });
        const got = await arrives(peer, 1, proc, '--port, and "héllo" typed', 'a datagram');
        same(got.data, yellow('héllo'), '"héllo" typed');
      },
    },
    {
      name: "prints the server's answer, then asks for the next line",
      section: 'Transcript',
      async run(c) {
        const peer = await playing(c, () => ['yes']);
        const proc = c.client(peer, { input: ['are you there?'], open: true });
        await prints(proc, 'client:yes\nclient:', 'the answer "yes"', '"yes" between two prompts');
      },
    },
    {
      name: "the server's bye ends it, exit 0, and bye is not printed",
      section: 'How it works',
      async run(c) {
        const peer = await playing(c, () => ['bye']);
        const proc = c.client(peer, { input: ['hi', 'never sent'] });
        await arrives(peer, 1, proc, '"hi" typed', 'a datagram');
        const done = await exitsWith(proc, 0, 'the answer "bye"', 'exit code 0');
        if (done.stdout !== 'client:')
          throw new Miss(
            'the answer "bye"',
            'only its prompt, "client:"',
            `it printed ${shown(done.stdout)}`,
          );
        await settle(peer);
        if (peer.got.length !== 1)
          throw new Miss('the answer "bye"', 'no more datagrams', `${peer.got.length} in all`);
      },
    },
    {
      name: 'an empty answer prints an empty line',
      section: 'Transcript',
      async run(c) {
        const peer = await playing(c, (_, n) => [n === 1 ? '' : 'bye']);
        const proc = c.client(peer, { input: ['a', 'b'] });
        await prints(
          proc,
          'client:\nclient:',
          'an empty answer',
          'an empty line between two prompts',
        );
      },
    },
    {
      name: "a stranger's datagram is not taken for the server's answer (a connected socket)",
      section: 'How it works',
      async run(c) {
        const stranger = await datagrams(c);
        const peer = await playing(c);
        const proc = c.client(peer, { input: ['hi', 'again'] });
        const asked = await arrives(peer, 1, proc, '"hi" typed', 'a datagram');
        // The stranger's first: both go through loopback to one queue, in the order sent.
        await new Promise((sent) =>
          stranger.socket.send('not the server', asked.from.port, '127.0.0.1', sent),
        );
        peer.send('from the server', asked.from.port);
        const sent = `"not the server" from port ${stranger.port}, then the server's answer`;
        await prints(proc, 'client:from the server\n', sent, '"from the server"');
        peer.send('bye', asked.from.port);
        const done = await exitsWith(proc, 0, `${sent}, then "bye"`, 'exit code 0');
        // Deno's node:dgram never connects in the kernel, so it takes anyone's (lesson 09, Run it)
        const deno = c.runner === 'deno';
        if (done.stdout.includes('not the server') !== deno)
          throw new Miss(
            sent,
            deno
              ? "the stranger's too (Deno: lesson 09, Run it)"
              : "only the server's answer printed",
            `it printed ${shown(done.stdout)}`,
          );
      },
    },
    {
      name: 'nothing at --port: the refusal is told in one line, exit 1',
      section: 'Run it',
      async run(c) {
        if (c.runner !== 'deno')
          return noServer(
            'one line ("nothing is listening on 127.0.0.1:PORT — start … first"), exit 1',
            [],
          ).run(c);
        // Deno's node:dgram does not connect in the kernel: no refusal comes, and 09 waits, as the
        // listing does (lesson 09, Run it). What it must not do is fail otherwise.
        const proc = c.client({ port: 9 }, { input: ['hello'], open: true });
        await prints(proc, 'client:', '"hello" typed to --port 9');
        await pause(500);
        if (proc.exitCode !== null)
          throw new Miss(
            '"hello" to a port nothing is bound to',
            'it waits (Deno)',
            `it exited (${proc.exitCode})`,
          );
      },
    },
    tooLong([], Buffer.byteLength(yellow(''))),
    {
      name: 'end of input at its prompt: exit 0, nothing on stderr',
      section: 'Differences from the Python listing',
      async run(c) {
        const peer = await playing(c);
        const proc = c.client(peer, { input: [] });
        const done = await exitsWith(proc, 0, 'the end of input (Ctrl+D)', 'exit code 0');
        if (done.stderr)
          throw new Miss('the end of input', 'nothing on stderr', shown(done.stderr));
        if (!done.stdout.startsWith('client:'))
          throw new Miss('the end of input', 'its prompt "client:" first', shown(done.stdout));
      },
    },
  ],
};

// ---- exercises and wrong solutions -------------------------------------------------------------

export const exercises0809: Exercise[] = [
  {
    id: '08-bye',
    lesson: '08',
    script: '08-udp-chat-server.ts',
    title: "bye from a client ends the chat, whether it is plain or in 09's colours",
    task: [
      'If the message `msg` is bye, answer `bye` (so that the client stops waiting for an',
      'answer), and leave the loop. A Python client sends plain `bye`; lesson 09 sends it',
      'wrapped in its colour codes, `PREFIX` and `SUFFIX`.',
    ].join('\n'),
    hints: [
      "`await sendto(sk, 'bye', addr)` sends to the address the message came from.",
      '09 sends the line between `PREFIX` and `SUFFIX`: compare with both forms.',
      "The lesson's Try this 3 asks what a change of colour does to this comparison.",
    ],
    zh: {
      title: '客户端发来的 bye 结束聊天，不管是普通的还是带着 09 的颜色',
      task: '如果消息 `msg` 是 bye，就回答 `bye`（这样客户端就不再等回答），然后离开循环。Python 客户端发送普通的 `bye`；第 09 课发送的 bye 包在它的颜色代码 `PREFIX` 和 `SUFFIX` 之间。',
      hints: [
        "`await sendto(sk, 'bye', addr)` 发往这条消息来自的地址。",
        '09 把这一行放在 `PREFIX` 和 `SUFFIX` 之间发送：两种形式都要比较。',
        '本课“动手试试”的第 3 条问：换一种颜色，会对这个比较有什么影响。',
      ],
    },
  },
  {
    id: '09-connect',
    lesson: '09',
    script: '09-udp-chat-client.ts',
    title: 'connect the UDP socket: one peer, and a refusal you can hear',
    task: [
      "Connect the socket to the server's `port` and `host`, and wait until it is connected.",
      'Then every `send()` goes there, only its datagrams are taken, and an ICMP "port',
      'unreachable" comes back as an ECONNREFUSED error instead of silence.',
    ].join('\n'),
    hints: [
      '`sk.connect(port, host)` sends nothing: it records the address (and binds a port).',
      "It is done when the socket emits 'connect': `await once(sk, 'connect')`.",
      'The lesson\'s "How it works" shows the system calls with strace.',
    ],
    zh: {
      title: '连接 UDP 套接字：只有一个对端，拒绝也听得见',
      task: '把套接字连接到服务端的 `port` 和 `host`，并等到连接完成。此后每次 `send()` 都发往那里，只收那里来的数据报，而 ICMP “port unreachable”（端口不可达）会变成一个 ECONNREFUSED 错误，而不是毫无声息。',
      hints: [
        '`sk.connect(port, host)` 什么也不发送：它只是记下地址（并绑定一个端口）。',
        "套接字发出 'connect' 事件时就完成了：`await once(sk, 'connect')`。",
        '本课的“原理”一节用 strace 展示了其中的系统调用。',
      ],
    },
  },
];

export const wrong0809: Wrong[] = [
  {
    lesson: '08',
    what: "bye compared with the client's colour codes left on",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a line of the script, as it is written
    edits: [["if (msg === 'bye' || msg === `${PREFIX}bye${SUFFIX}`) {", "if (msg === 'bye') {"]],
    fails: 'colour codes',
    says: /expected "bye" back, at once \(not a typed answer\); got "not bye"/,
  },
  {
    lesson: '08',
    what: "decoded strictly, as Python's .decode('utf-8') does",
    edits: [
      [
        "data.subarray(0, 1024).toString('utf8');",
        "new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(0, 1024));",
      ],
    ],
    fails: 'invalid UTF-8',
    says: /got it exited \(1\) without answering/,
  },
  {
    lesson: '09',
    what: 'not connected: sendto() each time, as the listing',
    edits: [
      ['sk.connect(port, host);', ''],
      ["await once(sk, 'connect');", ''],
      ['\\x1b[0m`, (err)', '\\x1b[0m`, port, host, (err)'],
    ],
    fails: 'stranger',
    says: /it printed ".*not the server/,
  },
];
