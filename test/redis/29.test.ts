/**
 * Lesson 29 with a real Redis: `npm run test:redis` (not part of `npm test`, which needs only
 * Node and python3). Every test starts a redis-server of its own (./server.ts), so that no two
 * tests share the room's channel. What needs no Redis is in test/29-chat-room-redis.test.ts.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import {
  firstLine,
  output,
  pause,
  program,
  RUNNER,
  type Server,
  scriptPath,
  server,
  start,
  tempFolder,
  until,
  waitFor,
} from '../harness.ts';
import { roomClient, roomMatrix, roomNc, roomTerminal, sceneBlocks } from '../room-cases.ts';
import { checkTranscript } from '../transcript.ts';
import { type Redis, redisServer } from './server.ts';

const ROOM = '29-chat-room-redis.ts';

/** A room process linked to `redis`, on a free port. */
const room = (t: ExecutionContext, redis: Redis, args: string[] = []) =>
  server(t, ROOM, { args: [...args, '--redis', redis.address] });

type Member = Awaited<ReturnType<typeof roomClient>>;

/** A Redis, two rooms linked to it, ann in the first and bob in the second, each told of bob. */
async function twoRooms(t: ExecutionContext) {
  const redis = await redisServer(t);
  const [a, b] = [await room(t, redis), await room(t, redis)];
  const ann = await roomClient(t, a, 'ann');
  const bob = await roomClient(t, b, 'bob');
  await ann.sees('* bob joined\n'); // no history: bob, who came after, hears nothing of ann
  return { redis, a, b, ann, bob };
}

/** Who sent which messages, in the order a member received them (`<c3> m7 c3`). */
function messages(m: Member) {
  return [...m.got().matchAll(/^<(c\d+)> m(\d+) (c\d+)$/gm)].map(([, from = '', k, sender]) => {
    if (from !== sender) throw new Error(`a message of ${sender} arrived as from ${from}`);
    return { from, k: Number(k) };
  });
}

for (const n of [2, 3]) {
  test(`${n} room processes: every member gets every other member's messages once, each sender's in order`, async (t) => {
    const redis = await redisServer(t);
    const rooms: Server[] = [];
    for (let i = 0; i < n; i++) rooms.push(await room(t, redis));
    const members: Member[] = [];
    for (const [i, s] of rooms.entries()) {
      for (let j = 0; j < 4; j++) members.push(await roomClient(t, s, `c${4 * i + j}`));
    }
    const nicks = members.map((_, i) => `c${i}`);
    const rounds = 20;
    for (let k = 0; k < rounds; k++) {
      for (const [i, m] of members.entries()) m.socket.write(`m${k} ${nicks[i]}\n`);
    }
    const each = (members.length - 1) * rounds;
    await Promise.all(
      members.map((m, i) => until(() => `${messages(m).length}`, `${each}`, nicks[i])),
    );
    await pause(100); // a copy too many would come now (its own echo, or one twice)
    for (const [i, m] of members.entries()) {
      const got = messages(m);
      t.is(got.length, each, `${nicks[i]} got every other message, once`);
      t.false(
        got.some((x) => x.from === nicks[i]),
        `${nicks[i]} got no copy of its own`,
      );
      for (const from of nicks.filter((x) => x !== nicks[i])) {
        const ks = got.filter((x) => x.from === from).map((x) => x.k);
        t.deepEqual(ks, [...Array(rounds).keys()], `${nicks[i]} got ${from}'s in order`);
      }
    }
  });
}

test('lesson 29 transcript: one room and one client, with a Redis', async (t) => {
  const redis = await redisServer(t);
  await checkTranscript(t, '29-chat-room-redis', [], {
    more: { [ROOM]: ['--redis', redis.address] },
    shown: (text) => text.replaceAll(redis.address, '127.0.0.1:6379'),
  });
});

test('two rooms, one Redis: ann on 8090 and bob on 8091 talk, Redis goes away and comes back; lesson 29 shows it', async (t) => {
  const redis = await redisServer(t);
  const [a, b] = [await room(t, redis), await room(t, redis)];
  const watch = program(t, 'redis-cli', [
    '-p',
    `${redis.port}`,
    '--no-raw',
    'subscribe',
    'chat-room',
  ]);
  let watched = '';
  for (const stream of [watch.stdout, watch.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      watched += chunk; // a terminal shows both
    });
  }
  await until(() => watched, '(integer) 1\n', 'redis-cli');
  const ann = roomTerminal(t, a, 'ann', '21-chat-room-client.ts');
  await ann.sees('nickname?\n');
  ann.type('ann');
  await ann.sees('* you are ann; no one else is here\n');
  const bob = await roomNc(t, b);
  await bob.sees('nickname?\n');
  bob.type('bob');
  await Promise.all([bob.sees('* you are bob; no one else is here\n'), ann.sees('* bob joined\n')]);
  ann.type('hello from 8090');
  await bob.sees('<ann> hello from 8090\n');
  bob.type('hi ann, I am on 8091');
  await ann.sees('<bob> hi ann, I am on 8091\n');
  bob.type('/who');
  await bob.sees('* online: bob\n');

  await redis.stop(); // Ctrl+C in Redis's terminal
  const split = '* the room is split: no Redis at';
  await Promise.all([ann.sees(split), bob.sees(split)]);
  await until(() => watched, 'Error: Server closed the connection', 'redis-cli');
  ann.type('anyone there?');
  await redis.restart();
  const whole = '* the room is whole again\n';
  await Promise.all([ann.sees(whole), bob.sees(whole)]);
  bob.type('/quit');
  await ann.sees('* bob left\n');
  await waitFor(b.proc, 'bob left\n');
  const beforeCtrlC = output(a.proc).stdout.length; // the room prints nothing more until then
  a.proc.kill('SIGINT');
  await ann.sees('(the server closed the connection)');
  const [annDone, roomA] = await Promise.all([ann.proc, a.proc]);
  t.is(annDone.exitCode, 0);
  t.is(roomA.signal, 'SIGINT');
  b.proc.kill('SIGINT');
  const roomB = await b.proc;

  const ids = new Map<string, string>();
  const shown = (text: string) =>
    text
      .replaceAll(`127.0.0.1:${redis.port}`, '127.0.0.1:6379')
      .replaceAll(`127.0.0.1:${a.port}\n`, '127.0.0.1:8090\n')
      .replaceAll(`127.0.0.1:${b.port}\n`, '127.0.0.1:8091\n')
      .replaceAll(/from 127\.0\.0\.1:\d+/g, 'from 127.0.0.1:<port>')
      .replaceAll(/\b[0-9a-f]{8}\b/g, (id) => {
        if (!ids.has(id)) ids.set(id, ['3f9a2c1e', 'b71d04e5'][ids.size] ?? id);
        return ids.get(id) ?? id;
      });
  const screens = {
    a: shown(`${roomA.stdout.slice(0, beforeCtrlC)}^C${roomA.stdout.slice(beforeCtrlC)}`),
    b: shown(`${roomB.stdout}\n^C`), // execa drops the last line end
    ann: shown(ann.screen()),
    bob: shown(bob.screen()),
    watch: shown(watched),
  };
  const lesson = sceneBlocks('29-chat-room-redis', 'Two rooms, one Redis');
  t.is(screens.a.trimEnd(), lesson.get('$ npx tsx scripts/29-chat-room-redis.ts') ?? '');
  t.is(
    screens.b.trimEnd(),
    lesson.get('$ npx tsx scripts/29-chat-room-redis.ts --port 8091') ?? '',
  );
  t.is(screens.ann.trimEnd(), lesson.get('$ npx tsx scripts/21-chat-room-client.ts   # ann') ?? '');
  t.is(screens.bob.trimEnd(), lesson.get('$ nc 127.0.0.1 8091   # bob') ?? '');
  t.is(screens.watch.trimEnd(), lesson.get('$ redis-cli subscribe chat-room') ?? '');
});

test('Redis restarts mid-chat: each room keeps its members, says it is split, then whole again', async (t) => {
  const redis = await redisServer(t);
  const [a, b] = [await room(t, redis), await room(t, redis)];
  const ann = await roomClient(t, a, 'ann');
  const cy = await roomClient(t, a, 'cy'); // beside ann, in the same process
  const bob = await roomClient(t, b, 'bob');
  await Promise.all([ann.sees('* bob joined\n'), cy.sees('* bob joined\n')]); // no history
  ann.socket.write('before\n');
  await bob.sees('<ann> before\n');

  await redis.stop();
  const split = /^\* the room is split: no Redis at 127\.0\.0\.1:\d+; only those here hear you$/m;
  await Promise.all([ann.sees(split), cy.sees(split), bob.sees(split)]);
  ann.socket.write('during\n'); // only cy hears it
  await cy.sees('<ann> during\n');

  await redis.restart();
  const whole = '* the room is whole again\n';
  await Promise.all([ann.sees(whole), cy.sees(whole), bob.sees(whole)]);
  ann.socket.write('after\n');
  await bob.sees('<ann> after\n');
  t.false(bob.got().includes('during'), 'what was said while split stays where it was said');
  for (const s of [a, b]) {
    const log = await waitFor(s.proc, `Redis is back at ${redis.address}\n`);
    t.regex(log, new RegExp(`\nlost Redis at ${redis.address}; trying again\n`));
    s.proc.kill('SIGINT');
    const done = await s.proc;
    t.is(done.stderr, '');
    t.is(done.signal, 'SIGINT');
  }
});

test('Ctrl+C on one room: its members are told, and the other rooms hear that they left', async (t) => {
  const { a, ann, bob } = await twoRooms(t);
  a.proc.kill('SIGINT');
  await ann.sees('* server shutting down\n');
  await bob.sees('* ann left\n');
  const done = await a.proc;
  t.is(done.signal, 'SIGINT');
  t.is(done.stderr, '');
});

test('a subscriber too slow for Redis is cut off (client-output-buffer-limit pubsub): its room says so, reconnects, and what was sent meanwhile is lost to it', async (t) => {
  // A limit of 256 KiB (the default is 32 MiB hard, 8 MiB for 60 s): a few MB on loopback fill
  // the kernel's buffers first, then Redis's own for the stopped room, past the limit.
  const redis = await redisServer(t, ['--client-output-buffer-limit', 'pubsub 256kb 0 0']);
  const [slow, fast] = [await room(t, redis), await room(t, redis)];
  const x = await roomClient(t, slow, 'x');
  const y = await roomClient(t, fast, 'y');
  await x.sees('* y joined\n');
  slow.proc.kill('SIGSTOP'); // the slow room reads nothing now
  t.teardown(() => slow.proc.kill('SIGCONT'));
  const cutOff = 'for overcoming of output buffer limits';
  const line = `flood ${'z'.repeat(994)}\n`; // 1,000 bytes, within the room's 1,024
  let sent = 0;
  while (!redis.log().includes(cutOff) && sent < 40_000) {
    for (let i = 0; i < 100; i++) y.socket.write(line);
    sent += 100;
    await pause(2);
  }
  t.true(redis.log().includes(cutOff), `Redis cut the slow room off, after ${sent} lines`);
  t.log(
    redis
      .log()
      .split('\n')
      .find((l) => l.includes(cutOff)),
  );
  slow.proc.kill('SIGCONT');
  await x.sees('* the room is split: ');
  await x.sees('* the room is whole again\n');
  y.socket.write('after the cut\n');
  await x.sees('<y> after the cut\n');
  const received = x
    .got()
    .split('\n')
    .filter((l) => l.startsWith('<y> flood ')).length;
  t.log(`x got ${received} of the ${sent} lines`);
  t.true(received < sent, `x got ${received} of the ${sent} lines: the rest were lost`);
  t.regex(
    output(slow.proc).stdout,
    /\nlost Redis at 127\.0\.0\.1:\d+; trying again\nRedis is back at /,
  );
  t.is(slow.proc.exitCode, null, 'the room goes on');
});

test('/who names the members of its own process, and a nickname is unique within its process only', async (t) => {
  const { b, ann, bob } = await twoRooms(t);
  ann.socket.write('/who\n');
  await ann.sees('* online: ann\n');
  const ann2 = await roomClient(t, b, 'ann'); // taken in a, free in b
  await ann.sees('* ann joined\n');
  ann2.socket.write('hi\n');
  await Promise.all([ann.sees('<ann> hi\n'), bob.sees('<ann> hi\n')]);
  t.pass();
});

test('a line published by anyone else on the channel (redis-cli) reaches every room: its first word is taken for a process id', async (t) => {
  const { redis, ann, bob } = await twoRooms(t);
  t.is(await redis.cli('PUBLISH', 'chat-room', 'teacher * class ends in 5 minutes'), '2');
  await Promise.all([ann, bob].map((m) => m.sees('* class ends in 5 minutes\n')));
});

test('29 copied alone into an empty folder runs there with Redis, and ends quietly on Ctrl+C', async (t) => {
  const redis = await redisServer(t);
  const folder = tempFolder(t, 'copy');
  copyFileSync(scriptPath(ROOM), join(folder, ROOM));
  const proc = start(t, join(folder, ROOM), {
    cwd: folder,
    runner: RUNNER === 'js' ? 'cjs' : RUNNER, // as test/copy.test.ts runs every other copy
    args: ['--port', '0', '--redis', redis.address],
  });
  t.regex(await firstLine(proc), /^listening on 127\.0\.0\.1:\d+$/);
  await waitFor(proc, 'linked to Redis at');
  proc.kill('SIGINT');
  const done = await proc;
  t.is(done.stderr, '');
  t.is(done.signal, 'SIGINT');
});

// Lesson 20's bad clients, against 29's copy of its rules: a Redis for each case.
roomMatrix(test, ROOM, async (t) => ['--redis', (await redisServer(t)).address]);
