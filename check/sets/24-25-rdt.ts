/**
 * Lessons 24 and 25: a file over UDP, whole. A copy of 24 is checked with the checker as its
 * sender, a copy of 25 with the checker as its receiver; either way the checker builds and reads
 * datagrams itself, from the wire format lesson 24 draws (CRC-32 | type | number | data), and
 * plays a bad network with a seeded generator: datagrams dropped, repeated, reordered, damaged.
 *
 * Nothing waits for a time. The checker sends a round, then waits for the ACK of every copy it
 * sent (the receiver answers each, lesson 24): once they are in, the receiver has read the whole
 * round, and what got no ACK was lost. A sender is told apart by what it sends next.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { drained, isMarker, type Proc, udpSocket } from '../../test/harness.ts';
import {
  type CheckSet,
  type Context,
  ended,
  folder,
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
import { exitsAfter, seeded, seededBytes } from './lossy.ts';

const [DATA, ACK, FIN] = [0x44, 0x41, 0x46]; // 'D', 'A', 'F'
const SIZE = 1200; // the most bytes of file a data datagram carries (lesson 24's drawing)
const NAMES: Record<number, string> = { [DATA]: 'D', [ACK]: 'A', [FIN]: 'F' };

/** A datagram as lesson 24 draws it. */
function packet(type: number, seq: number, data: Buffer | string = '') {
  const body = Buffer.concat([Buffer.from([type, 0, 0, 0, 0]), Buffer.from(data)]);
  body.writeUInt32BE(seq, 1);
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc32(body));
  return Buffer.concat([sum, body]);
}

/** The same datagram with one bit flipped, so that its CRC-32 no longer matches: in its data if
 * it has any, else in the checksum itself (its type and number stay as they were). */
function damaged(datagram: Buffer) {
  const copy = Buffer.from(datagram);
  const at = copy.length > 9 ? copy.length - 1 : 0;
  copy.writeUInt8((copy[at] ?? 0) ^ 0x01, at);
  return copy;
}

type Parsed = { type: number; seq: number; data: Buffer };
/** A datagram read back, or why it is not one: too short, or its CRC-32 does not match. */
function parse(d: Buffer): Parsed | string {
  if (d.length < 9) return `${d.length} bytes, too short`;
  if (d.readUInt32BE(0) !== crc32(d.subarray(4))) return 'a wrong CRC-32';
  return { type: d[4] ?? 0, seq: d.readUInt32BE(5), data: d.subarray(9) };
}
const named = (p: Parsed) => `${NAMES[p.type] ?? `type 0x${p.type.toString(16)}`} ${p.seq}`;
const pieces = (file: Buffer) =>
  Array.from({ length: Math.ceil(file.length / SIZE) }, (_, i) =>
    file.subarray(i * SIZE, (i + 1) * SIZE),
  );
/** A Miss: what the program printed on stderr as it ended was not what was `expected`. */
function onStderr(done: { stderr: string }, sent: string, expected: string): never {
  throw new Miss(sent, expected, shown(done.stderr, 120));
}
/** The stderr line both ends print at the end: datagrams sent, retransmitted, dropped. */
const STATS = /: (\d+) datagrams sent, (\d+) retransmitted, dropped: (.+)$/m;

// ---- 24, the receiver: the checker is its sender ------------------------------------------------

/** Start the student's receiver with `--out FILE` and a socket to play its sender. */
async function receiver(c: Context, flags: string[] = []) {
  const out = join(folder(c), 'copy.bin');
  const r = await c.serve({ args: ['--out', out, ...flags] });
  const peer = await udpSocket(c);
  const acks: number[] = [];
  const bad: string[] = [];
  peer.on('message', (m: Buffer) => {
    if (isMarker(m)) return;
    const p = parse(m);
    if (typeof p === 'string' || p.type !== ACK || p.data.length) bad.push(shown(m, 20));
    else acks.push(p.seq);
  });
  const count = (seq: number) => acks.filter((a) => a === seq).length;
  return {
    r,
    out,
    peer,
    acks,
    count,
    send: (...datagrams: Buffer[]) => {
      for (const d of datagrams) peer.send(d, r.port, '127.0.0.1');
    },
    /** Wait until datagram `seq` has had `times` ACKs in all. */
    async acked(seq: number, times: number, sent: string) {
      await waitUntil(
        () => count(seq) >= times || bad.length > 0,
        () =>
          new Miss(
            sent,
            `${times === 1 ? 'an ACK' : `${times} ACKs`} for datagram ${seq}`,
            `ACKs for ${acks.join(', ') || 'nothing'}; ${lastWords(r.proc)}${theirs(r.proc)}`,
          ),
      );
      if (bad.length)
        throw new Miss(sent, 'ACKs of 9 bytes: CRC-32, "A", the number', `${bad.join(', ')}`);
    },
    /** Its exit, with what it sent read to the end. */
    async end(sent: string, code = 0) {
      // it ends a second after the last datagram (its linger), or gives up: a second more
      const progress = () => acks.length;
      const done = await exitsAfter(r.proc, code, sent, `exit code ${code}`, {
        progress,
        ms: WAIT_MS + 1000,
      });
      await drained(peer);
      return done;
    },
  };
}
type Receiver = Awaited<ReturnType<typeof receiver>>;

/** A Miss unless the file at --out holds exactly `want`, and no FILE.part is left. */
function wrote(rx: Receiver, want: Buffer | string, sent: string) {
  const got = existsSync(rx.out) ? readFileSync(rx.out) : undefined;
  const wanted = Buffer.from(want);
  if (!got)
    throw new Miss(
      sent,
      `the file at --out`,
      `no file${existsSync(`${rx.out}.part`) ? ', only FILE.part' : ''}`,
    );
  if (!got.equals(wanted)) {
    const at = wanted.findIndex((b, i) => got[i] !== b);
    const where =
      at === -1 ? `${got.length - wanted.length} bytes too many` : `first different at byte ${at}`;
    throw new Miss(
      sent,
      wanted.length < 80
        ? `${shown(wanted)}, each byte once, in order`
        : `the ${wanted.length} bytes sent, in order`,
      wanted.length < 80 ? shown(got) : `${got.length} bytes, ${where}`,
    );
  }
  if (existsSync(`${rx.out}.part`))
    throw new Miss(sent, 'no FILE.part left', 'FILE.part is still there');
}

export const receiver24: CheckSet = {
  lesson: '24',
  script: '24-rdt-receiver.ts',
  role: 'server',
  // Without --out its stdout is the file, and the listening line goes to stderr.
  serveArgs: ['--out', '/dev/null'],
  checks: [
    {
      name: 'takes D 0, D 1, D 2 and F 3, ACKs each, and writes the file',
      section: 'How it works',
      async run(c) {
        const rx = await receiver(c);
        const file = seededBytes(24, 3000);
        let sent = '';
        for (const [seq, piece] of pieces(file).entries()) {
          rx.send(packet(DATA, seq, piece));
          sent += `${sent ? ', ' : ''}D ${seq}`;
          await rx.acked(seq, 1, sent);
        }
        rx.send(packet(FIN, 3));
        sent += ', F 3 (each after the ACK of the one before)';
        await rx.acked(3, 1, sent);
        const done = await rx.end(sent);
        wrote(rx, file, sent);
        if (!/^received 3000 bytes into .*copy\.bin: /.test(done.stderr))
          onStderr(done, sent, '"received 3000 bytes into FILE: …" on stderr');
      },
    },
    {
      name: 'seeded loss, duplicates, reordering and damage: the file still arrives byte for byte',
      section: 'How it works',
      async run(c) {
        const rx = await receiver(c);
        const file = seededBytes(2424, 20 * SIZE - 345);
        const parts = pieces(file);
        const random = seeded(24);
        const intact = new Map<number, number>(); // copies sent undamaged, by number
        let [spoilt, rounds] = [0, 0];
        const missing = new Set(parts.keys());
        while (missing.size) {
          if (++rounds > 40) throw new Error('the seeded network never lets everything through');
          const round: [number, Buffer][] = [];
          for (const seq of missing) {
            const d = packet(DATA, seq, parts[seq]);
            const x = random();
            if (x < 0.2) continue; // lost
            if (x < 0.4) round.push([-1, damaged(d)]); // damaged: alone, or before a good copy
            if (x >= 0.3) round.push([seq, d]);
            if (x >= 0.4 && x < 0.6) round.push([seq, d]); // twice
          }
          for (let i = round.length - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1)); // the round in a seeded order
            [round[i], round[j]] = [round[j] as [number, Buffer], round[i] as [number, Buffer]];
          }
          for (const [seq, d] of round) {
            if (seq === -1) spoilt++;
            else intact.set(seq, (intact.get(seq) ?? 0) + 1);
            rx.send(d);
          }
          const sent = `round ${rounds} of ${parts.length} datagrams lost, doubled, damaged and shuffled`;
          for (const [seq, n] of intact) await rx.acked(seq, n, `${sent}: an ACK for every copy`);
          for (const seq of [...missing]) if (rx.count(seq)) missing.delete(seq);
        }
        rx.send(
          damaged(packet(FIN, parts.length)),
          packet(FIN, parts.length),
          packet(FIN, parts.length),
        );
        const sent = `the file in ${rounds} rounds of datagrams lost, doubled, damaged and shuffled, then F ${parts.length} (damaged, then twice)`;
        await rx.acked(parts.length, 2, sent);
        const done = await rx.end(sent);
        wrote(rx, file, sent);
        const [, acks, , dropped] = STATS.exec(done.stderr) ?? [];
        if (dropped !== `${spoilt + 1} damaged` || Number(acks) !== rx.acks.length)
          onStderr(
            done,
            sent,
            `"${rx.acks.length} datagrams sent, …, dropped: ${spoilt + 1} damaged" on stderr`,
          );
      },
    },
    {
      name: 'a copy of a datagram already taken is ACKed again, and never written twice',
      section: 'How it works',
      async run(c) {
        const rx = await receiver(c);
        const sent = 'D 0 "hello, " 4 times, D 2 "!" twice (early), then D 1 "world", F 3';
        for (let i = 1; i <= 4; i++) {
          rx.send(packet(DATA, 0, 'hello, '));
          await rx.acked(0, i, sent);
        }
        rx.send(packet(DATA, 2, '!'), packet(DATA, 2, '!'));
        await rx.acked(2, 2, sent);
        rx.send(packet(DATA, 1, 'world'));
        await rx.acked(1, 1, sent);
        rx.send(packet(FIN, 3));
        await rx.acked(3, 1, sent);
        const done = await rx.end(sent);
        wrote(rx, 'hello, world!', sent);
        if (!/: 8 datagrams sent, 4 retransmitted, /.test(done.stderr))
          onStderr(done, sent, '"8 datagrams sent, 4 retransmitted" on stderr');
      },
    },
    {
      name: 'a damaged (bad CRC-32), short or unknown datagram: dropped, counted, no ACK, never written',
      section: 'How it works',
      async run(c) {
        const rx = await receiver(c);
        const sent =
          'D 0 "EVIL" with a bit flipped, 2 bytes, type "X" 0 "EVIL", then D 0 "good", F 1';
        rx.send(damaged(packet(DATA, 0, 'EVIL')), Buffer.from('hi'), packet(0x58, 0, 'EVIL'));
        rx.send(packet(DATA, 0, 'good'));
        await rx.acked(0, 1, sent);
        rx.send(packet(FIN, 1));
        await rx.acked(1, 1, sent);
        const done = await rx.end(sent);
        wrote(rx, 'good', sent);
        if (rx.acks.join() !== '0,1')
          throw new Miss(sent, 'one ACK for D 0, one for F 1', `ACKs for ${rx.acks.join(', ')}`);
        const dropped = STATS.exec(done.stderr)?.[3] ?? '';
        if (!['1 damaged', '1 too short', '1 of unknown type'].every((d) => dropped.includes(d)))
          onStderr(done, sent, '"dropped: 1 damaged, 1 too short, 1 of unknown type" on stderr');
      },
    },
    {
      name: 'a datagram from another address than the sender’s is dropped',
      section: 'How it works',
      async run(c) {
        const rx = await receiver(c);
        const stranger = await udpSocket(c);
        const toStranger: Buffer[] = [];
        stranger.on('message', (m: Buffer) => isMarker(m) || toStranger.push(m));
        const sent = 'D 0 "hello ", then D 1 "EVIL" from another port, then D 1 "good", F 2';
        rx.send(packet(DATA, 0, 'hello '));
        await rx.acked(0, 1, sent);
        await new Promise<void>((done) =>
          stranger.send(packet(DATA, 1, 'EVIL'), rx.r.port, '127.0.0.1', () => done()),
        );
        rx.send(packet(DATA, 1, 'good'), packet(FIN, 2));
        await rx.acked(2, 1, sent);
        await rx.end(sent);
        await drained(stranger);
        wrote(rx, 'hello good', sent);
        if (toStranger.length)
          throw new Miss(sent, 'no ACK to the other port', `${toStranger.length} datagrams to it`);
      },
    },
    {
      name: 'a sender gone silent: gives up after --give-up, keeps only FILE.part, exit 1',
      section: 'How it works',
      async run(c) {
        const rx = await receiver(c, ['--give-up', '0.5']);
        const sent = '--give-up 0.5; D 0 "the first part, ", D 2 "not in order", F 3, then nothing';
        rx.send(packet(DATA, 0, 'the first part, '), packet(DATA, 2, 'not in order'));
        await rx.acked(2, 1, sent);
        rx.send(packet(FIN, 3)); // before D 1 came: out of range, no ACK
        const done = await rx.end(sent, 1);
        if (
          done.stderr.includes('\n') ||
          !/gave up/.test(done.stderr) ||
          /^\s+at /m.test(done.stderr)
        )
          onStderr(done, sent, 'one line "the sender went silent … — gave up; …" on stderr');
        if (rx.acks.includes(3))
          throw new Miss(sent, 'no ACK for a FIN that comes before D 1', 'an ACK for F 3');
        const part = existsSync(`${rx.out}.part`)
          ? readFileSync(`${rx.out}.part`, 'utf8')
          : undefined;
        if (existsSync(rx.out) || part !== 'the first part, ')
          throw new Miss(
            sent,
            'nothing at --out; "the first part, " in FILE.part',
            `${existsSync(rx.out) ? 'a file at --out' : 'no file at --out'}; FILE.part ${part === undefined ? 'missing' : shown(part)}`,
          );
      },
    },
    {
      name: 'the last ACK lost: it answers the FIN again while it lingers',
      section: 'How it works',
      async run(c) {
        const rx = await receiver(c);
        const sent = 'D 0 "x", then F 1 twice (as a sender whose first ACK of the FIN was lost)';
        rx.send(packet(DATA, 0, 'x'));
        await rx.acked(0, 1, sent);
        rx.send(packet(FIN, 1), packet(FIN, 1));
        await rx.acked(1, 2, sent);
        await rx.end(sent);
        wrote(rx, 'x', sent);
      },
    },
  ],
};

// ---- 25, the sender: the checker is its receiver ------------------------------------------------

type Answer = (p: Parsed, reply: (d: Buffer) => void) => void;

/** A socket that plays 24's part: it keeps every valid datagram it gets, and lets `answer` decide
 * what goes back. */
async function playReceiver(c: Context, answer: Answer) {
  const socket = await udpSocket(c);
  const got: Parsed[] = [];
  const bad: string[] = [];
  socket.on('message', (m: Buffer, from) => {
    if (isMarker(m)) return;
    const p = parse(m);
    if (typeof p === 'string' || (p.type !== DATA && p.type !== FIN)) {
      bad.push(typeof p === 'string' ? p : `type 0x${p.type.toString(16)}`);
      return;
    }
    got.push(p);
    answer(p, (d) => socket.send(d, from.port, from.address));
  });
  const port = socket.address().port;
  return { socket, port, got, bad };
}
type Played = Awaited<ReturnType<typeof playReceiver>>;

/** Start the student's sender on a file of these bytes, to the played receiver. */
function sender(c: Context, to: Played, file: Buffer, flags: string[] = []) {
  const path = join(folder(c), 'file.bin');
  writeFileSync(path, file);
  return c.client(to, { args: ['--file', path, ...flags], input: [] });
}

/** Wait for the n-th valid datagram; a Miss if none comes, or if the sender ends first. */
async function nth(to: Played, n: number, proc: Proc, sent: string, expected: string) {
  const came = waitUntil(
    () => to.got.length >= n || to.bad.length > 0,
    () => {
      const got = to.got.map(named).join(', ') || 'none';
      return new Miss(
        sent,
        expected,
        `datagrams: ${got}${n === 1 ? ' (is the port written in the code, not taken from --port?)' : ''}`,
      );
    },
  );
  came.catch(() => {});
  const first = await Promise.race([came.then(() => undefined), proc]);
  if (first && to.got.length < n) {
    throw new Miss(
      sent,
      expected,
      `${ended(first)} after ${to.got.map(named).join(', ') || 'nothing'}${saying(first)}`,
    );
  }
  await came;
  if (to.bad.length)
    throw new Miss(
      sent,
      'datagrams as lesson 24 draws them: CRC-32, "D" or "F", the number',
      to.bad[0] ?? '',
    );
  return to.got[n - 1] as Parsed;
}

/** The file as the played receiver got it: the first copy of each data datagram, in order. */
function reassembled(to: Played, fin: number) {
  const by = new Map<number, Buffer>();
  for (const p of to.got) if (p.type === DATA && !by.has(p.seq)) by.set(p.seq, p.data);
  return Buffer.concat(Array.from({ length: fin }, (_, i) => by.get(i) ?? Buffer.alloc(0)));
}

/** A Miss unless the sender's datagrams make up `file`: pieces of at most 1200 bytes, numbered
 * from 0, then the FIN with their count. */
function carried(to: Played, file: Buffer, sent: string) {
  const fin = to.got.find((p) => p.type === FIN);
  const want = pieces(file).length;
  if (!fin || fin.seq !== want)
    throw new Miss(
      sent,
      `F ${want} (the number of data datagrams)`,
      fin ? `F ${fin.seq}` : 'no FIN',
    );
  const big = to.got.find((p) => p.type === DATA && (p.data.length > SIZE || !p.data.length));
  if (big)
    throw new Miss(
      sent,
      'data datagrams of 1 to 1200 bytes of the file',
      `D ${big.seq} of ${big.data.length}`,
    );
  const got = reassembled(to, fin.seq);
  if (!got.equals(file)) {
    const at = file.findIndex((b, i) => got[i] !== b);
    throw new Miss(
      sent,
      `the ${file.length} bytes of the file, in order`,
      `${got.length} bytes, first different at byte ${at}`,
    );
  }
}

const ackOf = (p: Parsed) => packet(ACK, p.seq);
/** A sender through losses runs as long as it takes: each datagram it sends is progress. */
const sending = (to: Played) => ({ progress: () => to.got.length });

export const sender25: CheckSet = {
  lesson: '25',
  script: '25-rdt-sender.ts',
  role: 'client',
  checks: [
    {
      name: 'sends --file to --port: D datagrams with a valid CRC-32, then the FIN; exit 0',
      section: 'How it works',
      async run(c) {
        const to = await playReceiver(c, (p, reply) => reply(ackOf(p)));
        const file = seededBytes(25, 3000);
        const proc = sender(c, to, file);
        const sent = `--port ${to.port} --file (3000 bytes), each datagram ACKed`;
        await nth(to, 1, proc, sent, 'D 0, a datagram as lesson 24 draws it');
        const done = await exitsAfter(proc, 0, sent, 'exit code 0 once F 3 is ACKed', sending(to));
        carried(to, file, sent);
        if (!/^sent 3000 bytes in /.test(done.stderr))
          onStderr(done, sent, '"sent 3000 bytes in …" on stderr');
      },
    },
    {
      name: 'no ACK: the same datagram again when its timer rings, the next only after its ACK',
      section: 'How it works',
      async run(c) {
        // D 0 gets no ACK the first time; the next datagram must be D 0 again (--window 1)
        const to = await playReceiver(c, (p, reply) => to.got.length > 1 && reply(ackOf(p)));
        const file = seededBytes(26, 2500);
        const proc = sender(c, to, file, ['--window', '1']);
        const sent = '--window 1; no ACK for the first D 0';
        await nth(to, 1, proc, sent, 'D 0');
        const again = await nth(to, 2, proc, sent, 'D 0 sent again once its timer rings');
        if (again.type !== DATA || again.seq !== 0)
          throw new Miss(sent, 'D 0 again (nothing else before its ACK)', named(again));
        await exitsAfter(proc, 0, `${sent}; then every datagram ACKed`, 'exit code 0', sending(to));
        carried(to, file, sent);
      },
    },
    {
      name: '--window 4: four datagrams in flight before any ACK, a fifth only after one',
      section: 'How it works',
      async run(c) {
        // No ACK at all until a datagram comes a second time (its timer rang): by then a sender
        // with a window of 4 has sent D 0 to D 3, and nothing past them.
        const seen: number[] = [];
        let before: string | undefined; // what came before the first repeat
        const to = await playReceiver(c, (p, reply) => {
          if (before === undefined && !seen.includes(p.seq)) return seen.push(p.seq);
          // in any order: Deno's node:dgram sent a window of 4 last first
          before ??= [...seen]
            .sort((a, b) => a - b)
            .map((seq) => `D ${seq}`)
            .join(', ');
          for (const seq of seen.splice(0)) reply(packet(ACK, seq));
          reply(ackOf(p));
        });
        const file = seededBytes(27, 10 * SIZE);
        const proc = sender(c, to, file, ['--window', '4']);
        const sent = '--window 4, a file of 10 datagrams; no ACK until one comes a second time';
        const want = 'D 0, D 1, D 2, D 3, then one of them again';
        await nth(to, 1, proc, sent, 'D 0');
        await waitUntil(
          () => before !== undefined,
          () => new Miss(sent, want, `${to.got.map(named).join(', ')}, and nothing again`),
        );
        if (before !== 'D 0, D 1, D 2, D 3')
          throw new Miss(sent, `${want} (4 in flight, no more)`, `${before}, then one again`);
        await exitsAfter(proc, 0, sent, 'exit code 0', sending(to));
        carried(to, file, sent);
      },
    },
    {
      name: 'seeded loss, duplicates, reordering and damage of the ACKs: the file arrives byte for byte',
      section: 'How it works',
      async run(c) {
        // Each datagram's fate comes from a seeded generator: no ACK, a damaged ACK, the ACK
        // twice, the ACK held back until the next datagram's (overtaken), or the ACK. After
        // three bad fates in a row a datagram gets its ACK, so the run ends soon.
        const random = seeded(25);
        const unlucky = new Map<number, number>(); // bad fates in a row, by number
        const acked = new Set<number>(); // numbers whose good ACK has gone out
        let [spoilt, spoiltBefore, finTooSoon] = [0, 0, '']; // spoiltBefore: before the FIN's ACK
        let held: Parsed[] = [];
        const to = await playReceiver(c, (p, reply) => {
          const send = (q: Parsed, spoil = false) => {
            if (spoil) [spoilt, spoiltBefore] = [spoilt + 1, spoiltBefore + Number(!acked.has(-1))];
            else acked.add(q.type === FIN ? -1 : q.seq);
            reply(spoil ? damaged(ackOf(q)) : ackOf(q));
          };
          const missing = Array.from({ length: p.type === FIN ? p.seq : 0 }, (_, i) => i);
          const gaps = missing.filter((seq) => !acked.has(seq));
          if (gaps.length) finTooSoon ||= `F ${p.seq} before the ACKs of D ${gaps.join(', D ')}`;
          const key = p.type === FIN ? -1 : p.seq;
          const bad = unlucky.get(key) ?? 0;
          const x = bad >= 3 ? 1 : random();
          const before = held;
          held = [];
          if (x < 0.3) unlucky.set(key, bad + 1);
          else unlucky.delete(key);
          if (x >= 0.2 && x < 0.3) send(p, true); // its ACK damaged; below 0.2, no ACK
          if (x >= 0.3 && x < 0.45) send(p); // twice
          if (x >= 0.3 && x < 0.45) send(p);
          if (x >= 0.45 && x < 0.6) held.push(p); // its ACK after the next datagram's
          if (x >= 0.6) send(p);
          for (const q of before) send(q);
        });
        const file = seededBytes(2525, 10 * SIZE - 17);
        const proc = sender(c, to, file, ['--window', '8']);
        const sent =
          '--window 8, a file of 10 datagrams; ACKs lost, damaged, doubled, overtaken (seeded)';
        await nth(to, 1, proc, sent, 'D 0');
        const done = await exitsAfter(proc, 0, sent, 'exit code 0 once F 10 is ACKed', sending(to));
        await drained(to.socket);
        carried(to, file, sent);
        if (finTooSoon)
          throw new Miss(sent, 'the FIN only once every data datagram is ACKed', finTooSoon);
        const [, all, again, dropped] = STATS.exec(done.stderr) ?? [];
        if (Number(all) - Number(again) !== 11)
          onStderr(
            done,
            sent,
            '"N datagrams sent, R retransmitted" with N - R = 11 (each sent once, and copies)',
          );
        // Damaged ACKs that came after the FIN's good one may go unread: the sender is done.
        const read = Number(/^(\d+) damaged$/.exec(dropped ?? '')?.[1] ?? 0);
        if (spoilt && (read < spoiltBefore || read > spoilt))
          onStderr(done, sent, `"dropped: ${spoiltBefore} damaged" on stderr`);
      },
    },
    {
      name: 'a bad ACK (short, of another type, for a datagram never sent, bad CRC-32) is not taken',
      section: 'How it works',
      async run(c) {
        // The bad ACKs go to the first D 0, then a marker to the checker's own socket: what
        // comes in behind it was sent after the bad ACKs were in the sender's socket. Two more
        // copies of D 0 from then on (its timer, which lets waiting ACKs be read first) and the
        // bad ACKs have been read: only then does D 0 get its good ACK. Before that, anything
        // but D 0 means one of them was taken.
        let [phase, copies] = ['first', 0];
        let wrongly: Parsed | undefined;
        const to: Played = await playReceiver(c, (p, reply) => {
          if (phase === 'acking') return reply(ackOf(p));
          if (p.type !== DATA || p.seq !== 0) wrongly ??= p;
          else if (phase === 'first') {
            phase = 'bad ACKs sent';
            reply(Buffer.from('A')); // too short
            reply(packet(DATA, p.seq)); // a type a sender does not take
            reply(packet(ACK, 99)); // for a datagram never sent
            reply(damaged(ackOf(p))); // the right ACK, one bit flipped
            drained(to.socket).then(() => {
              phase = 'marked';
            });
          } else if (phase === 'marked' && ++copies >= 2) {
            phase = 'acking';
            reply(ackOf(p));
          }
        });
        const file = seededBytes(28, 1000);
        const proc = sender(c, to, file, ['--window', '1']);
        const sent = '--window 1; to the first D 0: "A", D 0, A 99 and A 0 with a bit flipped';
        const want = 'D 0 sent again, nothing else: none of those is its ACK';
        await nth(to, 1, proc, sent, 'D 0');
        await waitUntil(
          () => phase === 'acking' || wrongly !== undefined,
          () => new Miss(sent, want, `datagrams: ${to.got.map(named).join(', ')}`),
        );
        if (wrongly) throw new Miss(sent, want, `${named(wrongly)} before D 0 had a good ACK`);
        const done = await exitsAfter(
          proc,
          0,
          `${sent}; then good ACKs`,
          'exit code 0',
          sending(to),
        );
        carried(to, file, sent);
        const dropped = STATS.exec(done.stderr)?.[3] ?? '';
        const each = ['1 too short', '1 of unknown type', '1 out of range', '1 damaged'];
        if (!each.every((d) => dropped.includes(d)))
          onStderr(done, sent, `"dropped: ${each.join(', ')}" on stderr`);
      },
    },
    {
      name: 'the ACK of the FIN lost: it sends the FIN again, then exits 0',
      section: 'How it works',
      async run(c) {
        let fins = 0;
        const to = await playReceiver(
          c,
          (p, reply) => (p.type !== FIN || ++fins > 1) && reply(ackOf(p)),
        );
        const file = Buffer.from('the end\n');
        const proc = sender(c, to, file);
        const sent = '8 bytes; D 0 ACKed, the first F 1 not';
        // D 0 may come again too, if its ACK was read late: only the FINs are counted
        const twice = () => to.got.filter((p) => p.type === FIN && p.seq === 1).length >= 2;
        await nth(to, 1, proc, sent, 'D 0');
        await waitUntil(twice, () => {
          const got = to.got.map(named).join(', ');
          return new Miss(sent, 'F 1, then F 1 again', `datagrams: ${got}`);
        });
        await exitsAfter(proc, 0, `${sent}; the second ACKed`, 'exit code 0', sending(to));
      },
    },
    {
      name: 'empty input: only the FIN, F 0, goes over',
      section: 'How it works',
      async run(c) {
        const to = await playReceiver(c, (p, reply) => reply(ackOf(p)));
        const proc = c.client(to, { input: [] }); // standard input, at its end at once
        const sent = 'no --file, and standard input empty';
        const first = await nth(to, 1, proc, sent, 'F 0');
        if (first.type !== FIN || first.seq !== 0 || first.data.length)
          throw new Miss(
            sent,
            'F 0, with no data',
            `${named(first)} of ${first.data.length} bytes`,
          );
        await exitsAfter(proc, 0, sent, 'exit code 0', sending(to));
      },
    },
    {
      name: 'a receiver that never answers: it gives up after --give-up, one line, exit 1',
      section: 'Run it',
      async run(c) {
        const to = await playReceiver(c, () => {});
        const proc = sender(c, to, Buffer.from('hello'), ['--give-up', '0.5']);
        const sent = '--give-up 0.5; every datagram taken, none answered';
        await nth(to, 1, proc, sent, 'D 0');
        const done = await exitsAfter(proc, 1, sent, 'exit code 1', sending(to));
        if (done.stderr.includes('\n') || !/within 0\.5 s/.test(done.stderr))
          onStderr(done, sent, 'one line "no answer from … within 0.5 s — …" on stderr');
      },
    },
  ],
};

export const exercises2425: Exercise[] = [
  {
    id: '24-order',
    lesson: '24',
    script: '24-rdt-receiver.ts',
    title: 'each byte once, in order: keep what comes early, ACK every copy',
    task: [
      'A valid D or F of this transfer has come (`type`, `seq`, `data`). Say if it came before',
      '(`again`); a new F completes the file (`complete(seq)`), a new D is kept in `early`; ACK it',
      'either way (`ack(seq, again)`); then write, in order, every kept datagram from `expected` on.',
    ].join('\n'),
    hints: [
      'A D came before if `seq < expected` (written already) or `early.has(seq)` (kept); an F, if `total` is set.',
      'A copy means its first ACK was lost: ACK it again, never write it again.',
      '`writeSync(fd, next)` writes and returns how many bytes; `early.delete(expected++)` moves on. The table in "Sequence numbers, acknowledgements, duplicates, order" has every case.',
    ],
    zh: {
      title: '每个字节一次，按顺序：早到的先留着，每份副本都回 ACK',
      task: '这次传输的一个有效的 D 或 F 到了（`type`、`seq`、`data`）。判断它以前是否来过（`again`）；新的 F 让文件完整（`complete(seq)`），新的 D 保存进 `early`；不管哪种都回 ACK（`ack(seq, again)`）；然后从 `expected` 开始，按顺序写出保存着的每个数据报。',
      hints: [
        'D 以前来过，是指 `seq < expected`（已经写出）或 `early.has(seq)`（已经保存）；F 以前来过，是指 `total` 已经设置。',
        '来了一份副本，说明它的第一个 ACK 丢了：再回一次 ACK，但绝不再写一次。',
        '`writeSync(fd, next)` 写入并返回写了多少字节；`early.delete(expected++)` 继续往前。“序号、确认、重复、顺序”一节的表列出了每一种情况。',
      ],
    },
  },
  {
    id: '25-timer',
    lesson: '25',
    script: '25-rdt-sender.ts',
    title: 'the retransmission timer: send a datagram, and again when its timer rings',
    task: [
      'Write `transmit(seq)`: send D `seq` with its piece of `data` (the F when seq is `total`),',
      'count it (`sent`; `retransmitted` if it is in `flight`), and start its timer: after `rto` ms,',
      '`expire(seq)` sends it again if still in `flight`. Keep `{ sentAt, order, again, timer }` there.',
    ].join('\n'),
    hints: [
      '`packet(seq < total ? DATA : FIN, seq, data.subarray(seq * SIZE, (seq + 1) * SIZE))`; `socket.send()` needs no address: the socket is connected.',
      'Sending again: clear the old timer first (`clearTimeout`), or it rings too. `order` is `sent` once this one is counted.',
      'When a timer rings, ACKs may be waiting unread: `setImmediate` lets them be read first ("A window, and a timer for every datagram").',
    ],
    zh: {
      title: '重传定时器：发出一个数据报，它的定时器响了就再发一次',
      task: '写出 `transmit(seq)`：发出 D `seq` 和它那一段 `data`（seq 等于 `total` 时发 F），计数（`sent`；如果它在 `flight` 里，还有 `retransmitted`），并启动它的定时器：`rto` ms 之后，如果它还在 `flight` 里，`expire(seq)` 就再发一次。把 `{ sentAt, order, again, timer }` 保存在 `flight` 里。',
      hints: [
        '`packet(seq < total ? DATA : FIN, seq, data.subarray(seq * SIZE, (seq + 1) * SIZE))`；`socket.send()` 不需要地址：套接字已经连接了。',
        '再发一次时：先清除旧的定时器（`clearTimeout`），否则它也会响。`order` 是这一次计数之后的 `sent`。',
        '定时器响的时候，可能有 ACK 在等着还没读：`setImmediate` 让它们先被读到（“一个窗口，每个数据报一个定时器”）。',
      ],
    },
  },
];

export const wrong2425: Wrong[] = [
  {
    lesson: '24',
    what: 'a receiver that writes duplicates twice',
    edits: [
      [
        'if (type === DATA && !again) early.set(seq, data);',
        'if (type === DATA && !again) early.set(seq, data);\n    else if (type === DATA) written += writeSync(fd, data); // a copy: written as it comes',
      ],
    ],
    fails: 'never written twice',
    says: /expected "hello, world!", each byte once, in order; got "hello, hello, /,
  },
  {
    lesson: '24',
    what: 'no CRC-32 check: a damaged datagram is taken',
    edits: [
      ["if (datagram.readUInt32BE(0) !== crc32(datagram.subarray(4))) return 'damaged';", ''],
    ],
    fails: 'a damaged (bad CRC-32)',
    says: /expected "good", each byte once, in order; got "EVI/,
  },
  {
    lesson: '25',
    what: 'no retransmission timer: a lost datagram is never sent again',
    edits: [
      ['const timer = setTimeout(expire, rto, seq);', 'const timer = setTimeout(() => {}, rto);'],
    ],
    fails: 'no ACK: the same datagram again',
    says: /expected D 0 sent again once its timer rings; got (datagrams: D 0$|it exited \(1\) after D 0,)/,
  },
  {
    lesson: '25',
    what: 'an ACK taken without checking its CRC-32',
    edits: [
      ["if (datagram.readUInt32BE(0) !== crc32(datagram.subarray(4))) return 'damaged';", ''],
    ],
    fails: 'a bad ACK',
    says: /expected D 0 sent again, nothing else: none of those is its ACK; got F 1 before D 0 had a good ACK/,
  },
  {
    lesson: '25',
    what: 'the window ignored: every datagram sent at once',
    edits: [
      [
        'while (next < Math.min(base + window, total)) transmit(next++);',
        'while (next < total) transmit(next++);',
      ],
    ],
    fails: '--window 4',
    says: /expected D 0, D 1, D 2, D 3, then one of them again \(4 in flight, no more\); got D 0, D 1, D 2, D 3, D 4/,
  },
];
