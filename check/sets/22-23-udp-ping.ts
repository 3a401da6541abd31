/**
 * Lessons 22 and 23: the UDP ping. A copy of 22 is checked as a server, with the checker as its
 * client; a copy of 23 as a client, with the checker as the ping server, one that loses, repeats
 * and reorders answers as a seeded generator says. "Late" is made by an order of events (an
 * answer held until the client has said its ping timed out), never by a race; where an answer
 * must come, the client's --timeout is seconds, many times what it needs.
 */
import type { RemoteInfo } from 'node:dgram';
import { drained, freePort, isMarker, output, type Proc, waitFor } from '../../test/harness.ts';
import {
  type CheckSet,
  type Context,
  type Datagrams,
  datagrams,
  ended,
  ends,
  exitsWith,
  lastWords,
  Miss,
  saying,
  shown,
  theirs,
  WAIT_MS,
  type Wrong,
  waitUntil,
} from '../checks.ts';
import type { Exercise } from '../exercises.ts';
import { endsAfter, lined, quiet, seeded } from './lossy.ts';

/** A ping as 23 sends it, with a made-up TIME: the server answers whatever it gets. */
const ping = (seq: number) => `ping ${seq} ${1_765_000_000_000 + seq}`;
/** bytes.upper(): only a to z change. */
const upper = (bytes: Buffer) => bytes.map((b) => (b >= 0x61 && b <= 0x7a ? b - 0x20 : b));
const seqOf = (answer: Buffer) => Number(/^PING (\d+) /.exec(answer.toString('latin1'))?.[1]);

// ---- 22, the server: the checker is its client --------------------------------------------------

/** What the server printed for each ping it read: seq → 'answered', 'lost', 'delayed N ms'. */
function fates(proc: Proc) {
  const seen = new Map<number, string>();
  for (const [, seq, fate = ''] of output(proc).stdout.matchAll(/"ping (\d+) \d+": (.+)$/gm))
    seen.set(Number(seq), fate);
  return seen;
}

/** Wait until the server has printed a line for each of `n` pings; its fates. */
async function fatesOf(proc: Proc, n: number, sent: string) {
  await waitUntil(
    () => fates(proc).size >= n,
    () =>
      new Miss(
        sent,
        `a line for each of the ${n}: 127.0.0.1:PORT "ping N …": answered, lost or delayed N ms`,
        `${fates(proc).size} such lines; ${lastWords(proc)}${theirs(proc)}`,
      ),
  );
  return fates(proc);
}

/** Start a server with these flags, send it pings 1 to n at once; its fates, once it said them
 * all, and the answers, once every ping it did not lose has one. */
async function pinged(c: Context, flags: string[], n: number) {
  const s = await c.serve({ args: flags });
  const peer = await datagrams(c);
  const sentAt = performance.now(); // before any of them is sent: no answer can come earlier
  const cameAt = new Map<number, number>();
  peer.socket.on('message', (d: Buffer) => cameAt.set(seqOf(d), performance.now()));
  for (let seq = 1; seq <= n; seq++) {
    peer.send(ping(seq), s.port);
  }
  const sent = `pings 1 to ${n}, to ${flags.join(' ')}`;
  const fate = await fatesOf(s.proc, n, sent);
  const lost = [...fate].filter(([, f]) => f === 'lost').map(([seq]) => seq);
  await waitUntil(
    () => peer.got.length >= n - lost.length,
    () =>
      new Miss(
        sent,
        `an answer to each of the ${n - lost.length} it did not say were lost`,
        `${peer.got.length} answers: ${peer.got.map((d) => shown(d.data, 20)).join(', ')}`,
      ),
  );
  const both = lost.filter((seq) => cameAt.has(seq));
  if (both.length)
    throw new Miss(sent, 'no answer to a ping it says it lost', `answers to ${both.join(', ')}`);
  return { s, peer, sent, fate, lost: lost.sort((a, b) => a - b), sentAt, cameAt };
}

/**
 * Seed 14's fates, pings 1 to 10, as the lesson's rule draws them: two numbers per datagram, lost
 * or not (`random() < loss`, then the wait, `Math.floor(random() * (delay + 1))`), from mulberry32.
 * The pings go at once, so the n-th datagram read is ping n. A number is "delayed N ms".
 */
async function seeded14(c: Context, flags: string[], fates: (string | number)[]) {
  const want = fates.map((f) => (typeof f === 'number' ? `delayed ${f} ms` : f));
  const s = await c.serve({ args: ['--seed', '14', ...flags] });
  const peer = await datagrams(c);
  for (let seq = 1; seq <= want.length; seq++) peer.send(ping(seq), s.port);
  const sent = `pings 1 to ${want.length}, to --seed 14${flags.length ? ` ${flags.join(' ')}` : ''} (--loss 0.3)`;
  const fate = await fatesOf(s.proc, want.length, sent);
  const got = want.map((_, i) => fate.get(i + 1) ?? '(no line)');
  const lost = (fates: string[]) => fates.flatMap((f, i) => (f === 'lost' ? [i + 1] : []));
  if (lost(got).join() !== lost(want).join())
    throw new Miss(
      sent,
      `pings ${lost(want).join(', ')} lost (two draws per ping, lost or not, from mulberry32)`,
      `pings ${lost(got).join(', ') || 'none'} lost`,
    );
  const wrong = want.flatMap((f, i) => (got[i] === f ? [] : [i + 1]));
  if (wrong.length)
    throw new Miss(
      sent,
      wrong.map((seq) => `ping ${seq} ${want[seq - 1]}`).join(', '),
      wrong.map((seq) => `ping ${seq} ${got[seq - 1]}`).join(', '),
    );
}

export const server22: CheckSet = {
  lesson: '22',
  script: '22-udp-ping-server.ts',
  role: 'server',
  checks: [
    {
      name: 'answers a ping upper-cased, from the port it listens on (--loss 0)',
      section: 'Run it',
      async run(c) {
        const s = await c.serve({ args: ['--loss', '0'] });
        const peer = await datagrams(c);
        peer.send(ping(1), s.port);
        const sent = `${shown(ping(1))} to --loss 0`;
        const { data, from } = await peer.nth(1, sent, `an answer ${shown(ping(1).toUpperCase())}`);
        if (data.toString('latin1') !== ping(1).toUpperCase())
          throw new Miss(sent, shown(ping(1).toUpperCase()), shown(data));
        if (from.port !== s.port)
          throw new Miss(sent, `an answer from port ${s.port}`, `one from port ${from.port}`);
      },
    },
    {
      name: 'upper-cases bytes as lesson 03 does: only a to z change',
      section: 'How it works',
      async run(c) {
        const s = await c.serve({ args: ['--loss', '0'] });
        const peer = await datagrams(c);
        const request = Buffer.from('héllo \x1b[31m');
        peer.send(request, s.port);
        const want = Buffer.from(upper(request));
        const { data } = await peer.nth(1, shown(request), `an answer ${shown(want)}`);
        if (!data.equals(want))
          throw new Miss(
            shown(request),
            `${shown(want)} (bytes.upper(): é and the escape code stay as they are)`,
            shown(data),
          );
      },
    },
    {
      name: 'a datagram over 1024 bytes: its first 1024 come back (recvfrom(1024))',
      section: 'How it works',
      async run(c) {
        const s = await c.serve({ args: ['--loss', '0'] });
        const peer = await datagrams(c);
        const request = Buffer.alloc(1500, 'x');
        peer.send(request, s.port);
        const sent = 'a datagram of 1500 bytes';
        const { data } = await peer.nth(1, sent, 'an answer of 1024 bytes');
        if (data.length !== 1024 || !data.equals(Buffer.alloc(1024, 'X')))
          throw new Miss(sent, '1024 bytes, all "X"', `${data.length} bytes`);
      },
    },
    {
      name: 'says what it does: its settings, then a line per datagram',
      section: 'Transcript',
      async run(c) {
        const s = await c.serve({ args: ['--loss', '0', '--seed', '5'] });
        const peer = await datagrams(c);
        peer.send(ping(1), s.port);
        await peer.nth(1, shown(ping(1)), 'its answer');
        const sent = `--loss 0 --seed 5, then ${shown(ping(1))}`;
        const line = `127.0.0.1:${peer.port} "${ping(1)}": answered`;
        await fatesOf(s.proc, 1, sent);
        const lines = output(s.proc).stdout.split('\n');
        if (lines[1] !== 'losing 0%, delaying up to 0 ms, seed 5' || lines[2] !== line)
          throw new Miss(
            sent,
            `the lines "losing 0%, delaying up to 0 ms, seed 5" and ${shown(line, 80)}`,
            lined(lines.slice(1).join('\n')),
          );
      },
    },
    {
      name: '--loss 1 loses every datagram, and says so',
      section: 'Run it',
      async run(c) {
        const s = await c.serve({ args: ['--loss', '1'] });
        const peer = await datagrams(c);
        peer.send(ping(1), s.port);
        peer.send(ping(2), s.port);
        const sent = 'pings 1 and 2, to --loss 1';
        const fate = await fatesOf(s.proc, 2, sent);
        if (fate.get(1) !== 'lost' || fate.get(2) !== 'lost')
          throw new Miss(sent, 'both "lost"', `"${fate.get(1)}" and "${fate.get(2)}"`);
        await quiet(); // an answer it sent though it said lost would be here by now
        if (peer.got.length)
          throw new Miss(
            sent,
            'no answer at all',
            `${peer.got.length}: ${shown(peer.got[0]?.data ?? '')}`,
          );
      },
    },
    {
      name: 'the same --seed loses the same pings, run after run',
      section: 'Run it',
      async run(c) {
        const flags = ['--loss', '0.5', '--seed', '2024'];
        const [a, b] = await Promise.all([pinged(c, flags, 24), pinged(c, flags, 24)]);
        const sent = 'pings 1 to 24, to two servers started with --loss 0.5 --seed 2024';
        if (a.lost.length < 2 || a.lost.length > 22)
          throw new Miss(sent, 'about half of them lost', `${a.lost.length} of 24 lost`);
        if (a.lost.join() !== b.lost.join())
          throw new Miss(
            sent,
            'the same pings lost by both (drawn from a generator seeded with --seed)',
            `lost ${a.lost.join(', ')}; then ${b.lost.join(', ')}`,
          );
      },
    },
    {
      // One check for both servers, not two: an unsolved 22-fate waits out each of them, and
      // a check more would make that run a round of waits longer.
      name: 'seed 14 loses pings 3, 8 and 10 of 10, as the transcript shows; with --delay, the same',
      section: 'Transcript',
      async run(c) {
        const lost = [3, 8, 10];
        const fates = Array.from({ length: 10 }, (_, i) =>
          lost.includes(i + 1) ? 'lost' : 'answered',
        );
        // with --delay 400, each ping not lost is held back its own second draw, 0 to 400 ms
        const delayed = [170, 141, 'lost', 4, 351, 25, 4, 'lost', 373, 'lost'];
        const both = [seeded14(c, [], fates), seeded14(c, ['--delay', '400'], delayed)];
        for (const r of await Promise.allSettled(both)) if (r.status === 'rejected') throw r.reason;
      },
    },
    {
      name: '--delay holds answers back, each as long as it says',
      section: 'Run it',
      async run(c) {
        const { s, sent, fate, sentAt, cameAt } = await pinged(
          c,
          ['--loss', '0', '--delay', '400', '--seed', '7'],
          6,
        );
        const held = [...fate].map(([seq, f]) => [
          seq,
          Number(/^delayed (\d+) ms$/.exec(f)?.[1] ?? 0),
        ]);
        if (!held.some(([, ms]) => (ms ?? 0) > 0))
          throw new Miss(sent, 'some of them "delayed N ms"', lined(output(s.proc).stdout));
        // Half the delay it names: a server that does not hold answers back answers in a few ms.
        for (const [seq = 0, ms = 0] of held) {
          const took = (cameAt.get(seq) ?? 0) - sentAt;
          if (took < ms / 2)
            throw new Miss(
              sent,
              `the answer to ping ${seq} held back ${ms} ms, as it says`,
              `it came after ${took.toFixed(0)} ms`,
            );
        }
      },
    },
  ],
};

// ---- 23, the client: the checker is the ping server ---------------------------------------------

type Reply = (datagram: Buffer | string) => void;

/** The checker as a ping server: `answer` decides what each ping gets (by default, its echo). */
async function pingServer(
  c: Context,
  answer: (seq: number, echo: Buffer, reply: Reply, from: RemoteInfo) => void = (_, echo, reply) =>
    reply(echo),
) {
  const peer = await datagrams(c);
  peer.socket.on('message', (request: Buffer, from: RemoteInfo) => {
    if (isMarker(request)) return;
    const seq = Number(/^ping (\d+) /.exec(request.toString('latin1'))?.[1]);
    answer(
      seq,
      Buffer.from(upper(request)),
      (d) => peer.socket.send(d, from.port, from.address),
      from,
    );
  });
  return peer;
}

/** The pings a client sent, in order, once it has exited (its datagrams are all in by then). */
async function pingsSent(peer: Datagrams) {
  await drained(peer.socket);
  return peer.got.filter((d) => !isMarker(d.data)).map((d) => d.data.toString('latin1'));
}

/** Wait for a client's first datagram; a Miss at once if it exits without sending one. */
async function firstPing(peer: Datagrams, proc: Proc, sent: string) {
  const expected = `a datagram "ping 1 TIME" to 127.0.0.1:${peer.port}`;
  const came = waitUntil(
    () => peer.got.length > 0,
    () =>
      new Miss(
        sent,
        expected,
        'none came (is the port written in the code, not taken from --port?)',
      ),
  );
  came.catch(() => {}); // awaited below, unless the program exits first
  const first = await Promise.race([came.then(() => undefined), proc]);
  if (first && !peer.got.length) {
    throw new Miss(sent, expected, `${ended(first)} without sending one${saying(first)}`);
  }
  await came;
  return peer.got[0]?.data.toString('latin1') ?? '';
}

/** The reply lines of a client's output: seq → the time it printed, in ms. */
function repliesIn(stdout: string) {
  const times = new Map<number, number>();
  for (const [, seq, time] of stdout.matchAll(/^reply from \S+: seq=(\d+) time=(\d+\.\d\d) ms$/gm))
    times.set(Number(seq), Number(time));
  return times;
}

const seqsOf = (stdout: string, what: string) =>
  [...stdout.matchAll(new RegExp(`^${what}: seq=(\\d+)(?: |$)`, 'gm'))].map(([, n]) => Number(n));

/**
 * The summary must agree with what was sent and what came in time: the statistics line for the
 * server, `N sent, N received, L% loss`, and the rtt line made of the reply lines' times only.
 */
function agrees(stdout: string, port: number, sent: number, received: number, what: string) {
  const head = `--- 127.0.0.1:${port} ping statistics ---`;
  const counts = `${sent} sent, ${received} received, ${Math.round((100 * (sent - received)) / sent)}% loss`;
  const lines = stdout.split('\n');
  const at = lines.indexOf(head);
  const summary = at === -1 ? 'no statistics line' : lined(lines.slice(at).join('\n'));
  if (at === -1 || lines[at + 1] !== counts)
    throw new Miss(what, `${shown(head)}, then ${shown(counts)}`, summary);
  if (!received) return;
  const rtt = /^rtt min\/avg\/max = (\d+\.\d\d)\/(\d+\.\d\d)\/(\d+\.\d\d) ms$/.exec(
    lines[at + 2] ?? '',
  );
  const times = [...repliesIn(stdout).values()];
  const [min, avg, max] = [Number(rtt?.[1]), Number(rtt?.[2]), Number(rtt?.[3])];
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  // avg is the mean of the unrounded times, printed rounded: within 0.01 of the printed ones'
  if (
    !rtt ||
    min !== Math.min(...times) ||
    max !== Math.max(...times) ||
    Math.abs(avg - mean) > 0.0101
  )
    throw new Miss(
      what,
      `"rtt min/avg/max = …" of the replies in time only (${times.map((t) => t.toFixed(2)).join(', ')} ms)`,
      summary,
    );
}

const run23 = (args: string[]) => ['--interval', '0.03', ...args];
/**
 * The client's --timeout wherever the checker must answer in time: 5 s, for an answer that
 * leaves the checker at once. The checker's own tests run some 20 sets at once, and on a
 * 2-core machine at a load of 20 they measured round trips of up to 1.8 s through the checker;
 * with 3 s, a run at a load of 20 once saw every ping time out, answered ones too (a client
 * starved that long runs its expired timers before it reads the answers waiting for it).
 */
const WAIT = 5;
/** A client that waits out a --timeout of WAIT s by design: each of its lines gets that long
 * and the usual wait more. */
const printing = (proc: Proc) => ({
  progress: () => output(proc).stdout.length,
  ms: WAIT * 1000 + WAIT_MS,
});

/** A client sends 3 pings; those in `lost` get no answer: its summary must say so. */
async function summarised(c: Context, lost: number[]) {
  const peer = await pingServer(c, (seq, echo, reply) => !lost.includes(seq) && reply(echo));
  const proc = c.client(peer, { args: run23(['--count', '3', '--timeout', `${WAIT}`]) });
  const sent = `--count 3, ping ${lost.join(' and ')} not answered`;
  const done = await endsAfter(proc, sent, 'an end', printing(proc));
  if (
    seqsOf(done.stdout, 'timeout')
      .sort((a, b) => a - b)
      .join() !== lost.join()
  )
    throw new Miss(sent, lost.map((seq) => `"timeout: seq=${seq}"`).join(', '), lined(done.stdout));
  agrees(done.stdout, peer.port, 3, 3 - lost.length, sent);
  if (done.exitCode !== 0)
    throw new Miss(sent, 'exit code 0 (an answer came)', `${done.exitCode}${theirs(proc)}`);
}

export const client23: CheckSet = {
  lesson: '23',
  script: '23-udp-ping-client.ts',
  role: 'client',
  checks: [
    {
      name: 'sends "ping 1 TIME" to --port and prints the reply, like ping',
      section: 'Run it',
      async run(c) {
        const peer = await pingServer(c);
        const proc = c.client(peer, { args: ['--count', '1', '--timeout', '5'] });
        const sent = `--port ${peer.port} --count 1`;
        const first = await firstPing(peer, proc, sent);
        const time = Number(/^ping 1 (\d+)$/.exec(first)?.[1]);
        if (!(Math.abs(time - Date.now()) < 3_600_000))
          throw new Miss(sent, '"ping 1 TIME", TIME the clock in ms (Date.now())', shown(first));
        const done = await exitsWith(
          proc,
          0,
          `its echo, ${shown(first.toUpperCase())}`,
          'exit code 0',
        );
        const line = `reply from 127.0.0.1:${peer.port}: seq=1 time=`;
        if (!new RegExp(`^${line.replace(/\./g, '\\.')}\\d+\\.\\d\\d ms$`, 'm').test(done.stdout))
          throw new Miss(
            `its echo, ${shown(first.toUpperCase())}`,
            `"${line}T ms" (T with two decimals)`,
            lined(done.stdout),
          );
      },
    },
    {
      name: '--count N: pings 1 to N, one datagram each, each answer printed once',
      section: 'Run it',
      async run(c) {
        const peer = await pingServer(c);
        const proc = c.client(peer, { args: run23(['--count', '5', '--timeout', '5']) });
        const sent = '--count 5, each ping answered at once';
        const done = await exitsWith(proc, 0, sent, 'exit code 0');
        const pings = (await pingsSent(peer)).map((p) => p.replace(/ \d+$/, ''));
        const want = ['ping 1', 'ping 2', 'ping 3', 'ping 4', 'ping 5'];
        if (pings.join() !== want.join())
          throw new Miss(
            sent,
            `${want.join(', ')} (each with its TIME)`,
            pings.join(', ') || 'none',
          );
        if ([...repliesIn(done.stdout).keys()].join() !== '1,2,3,4,5')
          throw new Miss(sent, 'a "reply from" line for seq=1 to seq=5', lined(done.stdout));
      },
    },
    {
      name: 'the summary: sent, received, loss (rounded: 2 of 3 lost is 67%), rtt min/avg/max',
      section: 'How it works',
      async run(c) {
        // Two clients at once: 1 of 3 lost (33.3%), and 2 of 3 (66.7%: rounded, not cut, 67%).
        await Promise.all([[2], [2, 3]].map((lost) => summarised(c, lost)));
      },
    },
    {
      name: 'seeded loss, duplicates and reordering: each ping counted once, the summary right',
      section: 'How it works',
      async run(c) {
        // Decided before the run by a seeded generator: lost, answered twice, answered only
        // after the next ping's answer (overtaken), or answered. Seed 23 has each of them.
        const random = seeded(23);
        const count = 12;
        const fate = Array.from({ length: count }, (_, i) => {
          const x = random();
          if (x < 0.25) return 'lost';
          if (x < 0.45) return 'twice';
          return x < 0.65 && i < count - 1 ? 'overtaken' : 'answered';
        });
        let held: (() => void) | undefined;
        const peer = await pingServer(c, (seq, echo, reply) => {
          const f = fate[seq - 1];
          if (f === 'answered' || f === 'twice') reply(echo);
          if (f === 'twice') reply(echo);
          const before = held;
          held = f === 'overtaken' ? () => reply(echo) : undefined;
          before?.(); // the answer held back goes out after this ping's
        });
        const proc = c.client(peer, {
          args: run23(['--count', `${count}`, '--timeout', `${WAIT}`]),
        });
        const sent = `--count ${count}, answered: ${fate.map((f, i) => `${i + 1} ${f}`).join(', ')}`;
        const done = await endsAfter(proc, sent, 'an end', printing(proc));
        const lost = fate.flatMap((f, i) => (f === 'lost' ? [i + 1] : []));
        const timeouts = seqsOf(done.stdout, 'timeout').sort((a, b) => a - b);
        if (timeouts.join() !== lost.join())
          throw new Miss(
            sent,
            `"timeout: seq=N" for ${lost.join(', ')} only`,
            lined(done.stdout, 20),
          );
        const replied = [...repliesIn(done.stdout).keys()].sort((a, b) => a - b);
        const answered = fate.flatMap((f, i) => (f === 'lost' ? [] : [i + 1]));
        const replyLines = done.stdout.match(/^reply from /gm)?.length ?? 0;
        if (replied.join() !== answered.join() || replyLines !== answered.length)
          throw new Miss(
            sent,
            `one "reply from" line for each of ${answered.join(', ')}`,
            lined(done.stdout, 20),
          );
        agrees(done.stdout, peer.port, count, answered.length, sent);
        const twice = fate.filter((f) => f === 'twice').length;
        const extra = `not counted: 0 late, ${twice} duplicate, 0 stray`;
        if (!done.stdout.split('\n').includes(extra))
          throw new Miss(sent, shown(extra), lined(done.stdout.split('\n').slice(-4).join('\n')));
      },
    },
    {
      name: 'a reply after its timeout is named late, never taken for the next ping, not counted',
      section: 'How it works',
      async run(c) {
        // Ping 1's answer is held until ping 2 comes and the client has printed ping 1's
        // timeout: late by the order of events. Ping 2's own answer goes at once, with WAIT s to
        // arrive in.
        const args = ['--count', '2', '--interval', `${WAIT + 0.1}`, '--timeout', `${WAIT}`];
        let held: Buffer | undefined;
        let proc: Proc | undefined;
        const peer = await pingServer(c, (seq, echo, reply) => {
          if (seq === 1) held = echo;
          else
            waitFor(proc as Proc, 'timeout: seq=1').then(
              () => {
                if (held) reply(held);
                reply(echo);
              },
              () => {},
            );
        });
        proc = c.client(peer, { args });
        const sent = `${args.join(' ')}; ping 1's answer sent after "timeout: seq=1"`;
        const done = await endsAfter(proc, sent, 'an end', printing(proc));
        const lines = done.stdout.split('\n');
        const late = lines.findIndex((l) => /^late reply: seq=1 time=\d+\.\d\d ms$/.test(l));
        if (late === -1 || seqsOf(done.stdout, 'reply from \\S+').includes(1))
          throw new Miss(
            sent,
            '"late reply: seq=1 time=T ms", and no "reply from" for seq=1',
            lined(done.stdout),
          );
        if (!(Number(/time=(\S+) ms/.exec(lines[late] ?? '')?.[1]) >= WAIT * 1000))
          throw new Miss(
            sent,
            `a late reply's time counted from ping 1's own send (${WAIT} s or more)`,
            shown(lines[late] ?? ''),
          );
        if (!repliesIn(done.stdout).has(2))
          throw new Miss(sent, 'a "reply from" line for seq=2', lined(done.stdout));
        agrees(done.stdout, peer.port, 2, 1, sent);
        if (!lines.includes('not counted: 1 late, 0 duplicate, 0 stray'))
          throw new Miss(sent, '"not counted: 1 late, 0 duplicate, 0 stray"', lined(done.stdout));
      },
    },
    {
      name: 'strays from another address, forgeries and a flood of copies are ignored',
      section: 'How it works',
      async run(c) {
        const other = await datagrams(c); // a second sender, on another port
        const peer = await pingServer(c, (_, echo, reply, from) => {
          // the right bytes from the wrong sender; once they are out, junk; then 100 copies
          other.socket.send(echo, from.port, from.address, () => {
            for (const junk of [
              'garbage',
              'PONG 1 1',
              `PING ${'9'.repeat(20)} 1`,
              'PING 2 1',
              'PING 1 0',
            ])
              reply(junk);
            for (let i = 0; i < 100; i++) reply(echo);
          });
        });
        const proc = c.client(peer, { args: run23(['--count', '2', '--timeout', `${WAIT}`]) });
        const sent =
          'to each ping: its echo from another port, 5 forgeries, then the echo 100 times';
        const done = await exitsWith(proc, 0, sent, 'exit code 0');
        const stray = new RegExp(`^ignored: \\d+ bytes from 127\\.0\\.0\\.1:${other.port}$`, 'm');
        if (!stray.test(done.stdout))
          throw new Miss(
            sent,
            `"ignored: N bytes from 127.0.0.1:${other.port}"`,
            lined(done.stdout),
          );
        agrees(done.stdout, peer.port, 2, 2, sent);
        // ping 2's copies after its first are never read: the client is done by then
        const extra = 'not counted: 0 late, 99 duplicate, 12 stray';
        if (!done.stdout.split('\n').includes(extra))
          throw new Miss(sent, shown(extra), lined(done.stdout));
      },
    },
    {
      name: 'no server: every ping times out, the summary, then one line and exit 1',
      section: 'Run it',
      async run(c) {
        const port = await freePort('udp');
        const proc = c.client(
          { port },
          { args: ['--count', '2', '--interval', '0.02', '--timeout', '0.1'] },
        );
        const sent = `--port ${port}, where nothing listens, --timeout 0.1`;
        const done = await ends(proc, sent, 'an end once both pings timed out');
        if (seqsOf(done.stdout, 'timeout').join() !== '1,2')
          throw new Miss(sent, '"timeout: seq=1", "timeout: seq=2"', lined(done.stdout));
        agrees(done.stdout, port, 2, 0, sent);
        if (
          done.exitCode !== 1 ||
          done.stderr.includes('\n') ||
          !/no answer from/.test(done.stderr)
        )
          throw new Miss(
            sent,
            'one line "no answer from … — start 22-udp-ping-server.ts first", exit code 1',
            `exit code ${done.exitCode}, stderr ${shown(done.stderr)}`,
          );
      },
    },
  ],
};

export const exercises2223: Exercise[] = [
  {
    id: '22-fate',
    lesson: '22',
    script: '22-udp-ping-server.ts',
    title: "each datagram's fate: lost, held back or answered, drawn from the seeded generator",
    task: [
      'Decide what becomes of `msg` with `random()`, which --seed seeds: lost with the',
      'chance `loss` (no answer); else held back 0 to `delay` ms, then `upper(msg)` sent back to',
      '`from`. Print a line: `127.0.0.1:PORT "what it said": lost`, `answered` or `delayed N ms`.',
    ].join('\n'),
    hints: [
      "Draw twice for every datagram, lost or not: `random() < loss`, then the wait, `Math.floor(random() * (delay + 1))` (0 to `delay` ms). The n-th datagram then always gets the n-th pair of draws, and seed 14 the lesson's fates.",
      '`server.send(upper(msg), from.port, from.address)` answers; `setTimeout(answer, wait)` holds it back.',
      "`JSON.stringify(msg.toString().slice(0, 40))` is what it said, quoted; the lesson's Transcript shows the lines.",
    ],
    zh: {
      title: '每个数据报的结局：丢掉、推迟还是回答，由带种子的生成器抽取',
      task: '用 `random()`（由 --seed 设定种子）决定 `msg` 的结局：以 `loss` 的概率丢掉（不回答）；否则推迟 0 到 `delay` ms，再把 `upper(msg)` 发回 `from`。打印一行：`127.0.0.1:PORT "what it said": lost`、`answered` 或 `delayed N ms`。',
      hints: [
        '每个数据报都抽两次，不管丢没丢：先 `random() < loss`，再抽等待时间 `Math.floor(random() * (delay + 1))`（0 到 `delay` ms）。这样第 n 个数据报总是得到第 n 对抽取结果，种子 14 就得到本课的那些结局。',
        '`server.send(upper(msg), from.port, from.address)` 回答；`setTimeout(answer, wait)` 把回答推迟。',
        '`JSON.stringify(msg.toString().slice(0, 40))` 就是加了引号的“说了什么”；本课的“运行记录”一节给出了这些行。',
      ],
    },
  },
  {
    id: '23-summary',
    lesson: '23',
    script: '23-udp-ping-client.ts',
    title: 'the loss and RTT summary: sent, received, loss, rtt min/avg/max',
    task: [
      'Under the statistics line print `N sent, N received, L% loss` (L a whole number), then, if',
      'any answer came in time, `rtt min/avg/max = a/b/c ms` from `rtts`, two decimals each.',
      'Late replies are neither in `rtts` nor received: keep it so.',
    ].join('\n'),
    hints: [
      '`sent` and `got` are there already: the loss is 100 × (sent − got) / sent, rounded (3 sent, 2 received: 33%).',
      '`Math.min(...rtts)`, `Math.max(...rtts)`, and the sum (`reduce`) divided by `got`; `ms(n)` gives two decimals.',
      'No answer at all: no rtt line (an average of nothing is NaN). The checks drop, double and hold back answers.',
    ],
    zh: {
      title: '丢包和 RTT 的汇总：发出、收到、丢包率、rtt min/avg/max',
      task: '在统计那一行下面打印 `N sent, N received, L% loss`（L 是整数）；然后，如果有回答按时到达，再根据 `rtts` 打印 `rtt min/avg/max = a/b/c ms`，每个数保留两位小数。迟到的回答既不在 `rtts` 里，也不算收到：保持这样。',
      hints: [
        '`sent` 和 `got` 已经有了：丢包率是 100 × (sent − got) / sent，四舍五入（发出 3 个，收到 2 个：33%）。',
        '`Math.min(...rtts)`、`Math.max(...rtts)`，以及总和（`reduce`）除以 `got`；`ms(n)` 给出两位小数。',
        '一个回答也没有：不打印 rtt 那一行（什么都没有的平均值是 NaN）。检查程序会丢掉、重复和推迟回答。',
      ],
    },
  },
];

export const wrong2223: Wrong[] = [
  {
    lesson: '22',
    what: 'losses drawn from Math.random, not from --seed',
    edits: [['const random = mulberry32(seed);', 'const random = Math.random;']],
    fails: 'the same --seed',
    says: /expected the same pings lost by both/,
  },
  {
    lesson: '22',
    what: 'upper-cased as text, not as bytes',
    edits: [['server.send(upper(msg),', 'server.send(msg.toString().toUpperCase(),']],
    fails: 'only a to z change',
    says: /é and the escape code stay as they are\); got "HÉLLO/,
  },
  {
    lesson: '22',
    what: 'exercise 22-fate: the wait drawn only for a datagram that is not lost',
    edits: [
      [
        'const wait = Math.floor(random() * (delay + 1));',
        'const wait = lost ? 0 : Math.floor(random() * (delay + 1));',
      ],
    ],
    fails: 'seed 14 loses pings 3, 8 and 10',
    says: /expected pings 3, 8, 10 lost .*; got pings 3, 5, 9 lost/,
  },
  {
    lesson: '23',
    what: 'a UDP client with no timeout (it waits forever)',
    edits: [
      [
        "setTimeout(() => {\n      if (ping.state !== 'waiting') return;",
        "const never = (..._: unknown[]) => {}; // no timer: wait for the answer forever\n    never(() => {\n      if (ping.state !== 'waiting') return;",
      ],
    ],
    fails: 'no server',
    says: /expected an end once both pings timed out; got it was still running/,
  },
  {
    lesson: '23',
    what: 'an RTT summary that counts late replies',
    edits: [["ping.state = 'late';", "ping.state = 'late';\n      rtts.push(now - ping.sent);"]],
    fails: 'named late',
    says: /"2 sent, 1 received, 50% loss"; got .*"2 sent, 2 received, 0% loss"/,
  },
  {
    lesson: '23',
    what: "the next datagram taken for the waiting ping's answer (the lab's recvfrom)",
    edits: [
      [
        'const ping = pings.get(seq);',
        "const ping = [...pings.values()].find((p) => p.state === 'waiting');",
      ],
      [
        'if (!ping || sender !== server || data.toString() !== ping.text.toUpperCase()) {',
        'if (!ping || sender !== server) {',
      ],
    ],
    fails: 'named late',
    says: /expected "late reply: seq=1 time=T ms"/,
  },
  {
    lesson: '23',
    what: 'exercise 23-summary: the loss cut to a whole number (Math.floor), not rounded',
    edits: [['const loss = sent && Math.round(', 'const loss = sent && Math.floor(']],
    fails: 'the summary',
    says: /then "3 sent, 1 received, 67% loss"; got .*"3 sent, 1 received, 66% loss"/,
  },
];
