/**
 * Lessons 14 and 15: sticky packets, case 1 (two sends, one read). A copy of 14 is checked as a
 * server that reads 10 bytes twice, with the checker as its client; a copy of 15 as a client that
 * sends `hello` and `feng` straight after each other, with the checker as its server.
 */
import { output } from '../../test/harness.ts';
import {
  type CheckSet,
  connectTo,
  exitsWith,
  failsInOneLine,
  Miss,
  shown,
  type Wrong,
} from '../checks.ts';
import { nothingListening } from './01-02-tcp-chat.ts';
import {
  afterListening,
  badPort,
  leavesAnOpenConnection,
  nextTurn,
  overIPv6,
  resetWhileReading,
  sendsAndLeaves,
  twoReads,
} from './12-13-sticky-partial.ts';

export const server14: CheckSet = {
  lesson: '14',
  script: '14-sticky-merge-server.ts',
  role: 'server',
  checks: [
    // The pause (--wait) starts when the first bytes arrive; the second send leaves a few
    // microseconds after the first (the same turn of the event loop, as 15 sends them).
    twoReads({
      name: 'with a pause before its first read, two sends are read as one: "hellofeng"',
      section: 'How it works',
      args: ['--wait', '500'],
      send: (sk) => {
        sk.setNoDelay(true); // two segments, not one held back for the first one's ACK
        sk.write('hello');
        sk.end('feng');
      },
      sent: '--wait 500, then "hello" and "feng" in two sends',
      lines: ['hellofeng', ''],
      why: 'recv(10) takes every byte buffered by then; the second read gets the end',
    }),
    twoReads({
      name: 'a read takes at most 10 bytes: the rest comes out in the second',
      section: 'How it works',
      send: (sk) => sk.end('hellofenghellofeng'),
      sent: '"hellofenghellofeng" (18 bytes) in one send',
      lines: ['hellofengh', 'ellofeng'],
      why: 'recv(10) takes 10 bytes, and the next read the 8 left',
    }),
    twoReads({
      name: 'a character cut by the 10-byte read comes out whole in the second',
      section: 'How it works',
      send: (sk) => sk.end('你好世界'),
      sent: '"你好世界" (12 bytes) in one send',
      lines: ['你好世', '界'],
      why: '10 bytes end inside 界: decode the stream, not each read (StringDecoder)',
    }),
    {
      name: 'with --wait 0 every byte still arrives, in order, in one read or two',
      section: 'How it works',
      async run(c) {
        const s = await c.serve({ args: ['--wait', '0'] });
        const peer = await connectTo(c, s);
        peer.socket.setNoDelay(true);
        peer.socket.write('hello');
        await nextTurn();
        peer.socket.end('feng');
        const sent = '--wait 0, then "hello" and "feng" in two sends';
        const expected = '"-----> hellofeng" and "-----> ", or "-----> hello" and "-----> feng"';
        await exitsWith(s.proc, 0, sent, `${expected}, then exit 0`);
        const got = afterListening(s.proc);
        const [, first, second] = /^-----> (.*)\n-----> (.*)\n$/.exec(got) ?? [];
        const whole = `${first}${second}` === 'hellofeng';
        if (!whole || (first !== 'hello' && first !== 'hellofeng'))
          throw new Miss(sent, expected, `it printed ${shown(got)}`);
      },
    },
    twoReads({
      name: 'a client that sends nothing: both reads give the end of the stream, empty',
      section: 'How it works',
      send: (sk) => sk.end(),
      sent: 'nothing, then the end of the stream',
      lines: ['', ''],
      why: 'at the end of the stream every read gives b""',
    }),
    resetWhileReading('the client reset the connection'),
    {
      name: '--wait takes milliseconds: --wait abc is one usage line, exit 2',
      section: 'Run it',
      async run(c) {
        const proc = c.start({ args: ['--port', '0', '--wait', 'abc'] });
        const sent = '--wait abc';
        const expected = 'exit code 2 and one line, "--wait takes milliseconds … — usage: …"';
        await failsInOneLine(proc, sent, expected, /--wait.*usage: /, 2);
        if (output(proc).stdout) throw new Miss(sent, expected, 'it listened anyway');
      },
    },
    twoReads({
      name: 'listens on IPv6 with --host ::1',
      section: 'Run it',
      host: '::1',
      send: (sk) => sk.end('hellofeng'),
      sent: '--host ::1, then "hellofeng" to [::1]',
      lines: ['hellofeng', ''],
      why: 'the same reads over IPv6',
    }),
  ],
};

export const client15: CheckSet = {
  lesson: '15',
  script: '15-sticky-merge-client.ts',
  role: 'client',
  checks: [
    sendsAndLeaves('hellofeng', '"hello", then "feng"'),
    leavesAnOpenConnection('hellofeng'),
    nothingListening(),
    overIPv6('hellofeng'),
    badPort(),
  ],
};

export const wrong1415: Wrong[] = [
  {
    lesson: '14',
    what: 'a read that ignores its size: it takes every byte buffered',
    edits: [['sock.read(Math.min(n, sock.readableLength))', 'sock.read()']],
    fails: 'at most 10 bytes',
    says: /"-----> hellofengh\\n-----> ellofeng\\n"/,
  },
  {
    lesson: '14',
    what: 'each read decoded on its own',
    edits: [
      ["console.log('----->', text.write(data1));", "console.log('----->', data1.toString());"],
      ["console.log('----->', text.write(data2));", "console.log('----->', data2.toString());"],
    ],
    fails: 'cut by the 10-byte read',
    says: /decode the stream, not each read/,
  },
  {
    lesson: '15',
    what: 'a hard-coded port',
    edits: [
      ['const { host, port } = flags(8080);', 'const { host } = flags(8080);\nconst port = 8080;'],
    ],
    fails: 'connects to --port',
    says: /without connecting|none came/,
  },
];
