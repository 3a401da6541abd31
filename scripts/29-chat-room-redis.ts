/**
 * @title Chat room across processes: lesson 20's room through Redis
 * @mirrors 二.1 ④, many clients at once, across processes (beyond the tutorial)
 * @run npx tsx scripts/29-chat-room-redis.ts --port 8090 --redis 127.0.0.1:6379
 * @long lesson 20's rules and a Redis client written out (RESP, two connections, reconnects)
 *
 * Lesson 20's room, the same lines on the wire, that also publishes what it tells its clients to
 * a Redis channel, and tells them what its other processes publish there: clients of rooms on
 * other ports or machines are in one room. The Redis client is written here, over node:net.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

const MAX_LINE = 1024; // bytes in a line, before its line end
const MAX_QUEUE = 64 * 1024; // bytes of output a client may leave unread before it is cut off
const NICK = /^[\p{L}\p{N}_-]{1,16}$/u; // letters and digits of any script, _ and -
const CHANNEL = 'chat-room'; // the Redis channel where every process of the room publishes
const ME = randomBytes(4).toString('hex'); // this process: the first word of all it publishes
// Only a test that imports the RESP parser sets the flag (see test/as-library.ts).
const imported = (globalThis as { SOCKETS_KIT_IMPORT?: boolean }).SOCKETS_KIT_IMPORT;
const { host, port, redis, maxClients } = imported ? ({} as Flags) : flags(8090);
if (!imported) process.on('uncaughtException', fail) && main().catch(fail);
type Client = { conn: Socket; nick: string; from: string }; // nick: '' until it has chosen one
const room = new Set<Client>(); // this process's connections; the named ones are in the room
const nicks = () => [...room].filter((c) => c.nick).map((c) => c.nick);

async function main() {
  const server = createServer({ allowHalfOpen: true }, arrive).listen(port, host);
  await once(server, 'listening');
  await new Promise(link); // then Redis: if it is not there, one line and exit 1
  const { address, port: bound } = server.address() as AddressInfo;
  console.log(`listening on ${address.includes(':') ? `[${address}]` : address}:${bound}`);
  console.log(`linked to Redis at ${redis.at} as ${ME}`);
  process.once('SIGINT', async () => {
    server.close(); // a goodbye to each (their leaves are published), then end by the signal
    await Promise.all([...room].map((c) => hangUp(c, '* server shutting down\n')));
    flush(); // their leaves, to Redis, before the end
    const last = pub;
    pub = undefined; // its end is no news: we are going
    await new Promise((sent) => (last ? last.end(() => sent(0)) : sent(0)));
    process.kill(process.pid, 'SIGINT');
  });
}

// ---- Redis: one connection publishes, one listens (once subscribed, it may do nothing else) ---
let pub: Socket | undefined; // the publishing connection; undefined while the room is split
let [linked, wait] = [false, 0]; // linked: once, ever; wait: ms before the next try
function link(ready = (_: unknown) => {}) {
  const [p, s] = [connect(redis.port, redis.host), connect(redis.port, redis.host)];
  let gone = false; // once either connection has gone, both go
  s.write(encode('SUBSCRIBE', CHANNEL)); // then [subscribe, chat-room, 1], then messages
  s.setTimeout(5000, () => lost(Object.assign(Error(), { code: 'ETIMEDOUT' }))); // no answer
  function heard(reply: Reply) {
    if (typeof reply === 'number') return; // PUBLISH's answer: how many subscribers heard it
    if (!Array.isArray(reply)) return lost(reply instanceof Error ? reply : Error(`${reply}`));
    const [kind, , text = ''] = reply as string[]; // message, channel, text (or subscribe, …)
    if (kind === 'subscribe') {
      if (linked) local('* the room is whole again\n', `Redis is back at ${redis.at}`);
      [pub, wait, linked] = [p.setNoDelay(), 0, true]; // no Nagle: publish at once
      s.setTimeout(0); // subscribed: from now on, silence is normal
      return ready(0);
    }
    const at = text.indexOf(' '); // ours came back (skip it), or another process's: pass it on
    if (kind === 'message' && text.slice(0, at) !== ME) local(`${text.slice(at + 1)}\n`);
  }
  function lost(err?: Error) {
    if (gone) return; // told already, by the other connection
    if (!linked) fail(err ?? Object.assign(Error(), { code: 'ECONNRESET' })); // at the start
    const split = `* the room is split: no Redis at ${redis.at}; only those here hear you\n`;
    if (pub === p) local(split, `lost Redis at ${redis.at}; trying again`);
    [gone, pub, wait] = [true, undefined, Math.min(Math.max(2 * wait, 100), 5000)];
    for (const c of [p, s]) c.destroy();
    setTimeout(link, wait); // in 100 ms, 200 ms, 400 ms, … 5 s
  }
  for (const c of [p, s]) c.on('data', replies(heard)).on('error', lost);
  for (const c of [p, s]) c.on('close', () => lost()); // Redis stopped, or cut us off
}
function local(line: string, log = '') {
  broadcast(line, undefined, false); // to this process's clients only
  if (log) console.log(log);
}

// ---- RESP2, Redis's protocol: a type byte, a line, and for $ that many bytes ------------------
type Reply = string | number | null | Error | Reply[];
/** A command as Redis reads it: an array of bulk strings, each its length in bytes, then it. */
export const encode = (...args: string[]) =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
/** Feed it the bytes as they come, in any pieces; it calls onReply for each whole reply. */
export function replies(onReply: (reply: Reply) => void) {
  let buf: Buffer = Buffer.alloc(0); // what has come and is not yet a whole reply
  return (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (let r = parse(buf, 0); r; r = parse(buf, 0)) {
      buf = buf.subarray(r[1]);
      onReply(r[0]);
    }
  };
}
const notRedis = () => Object.assign(Error("not Redis's protocol"), { code: 'EPROTO' });
/** The reply that starts at `at`, and where it ends; undefined until all of it has come. */
function parse(buf: Buffer, at: number): [Reply, number] | undefined {
  if (at >= buf.length) return; // nothing yet
  const type = String.fromCharCode(buf[at] ?? 0); // then a line: +OK, -ERR …, :2, $6, *3
  const eol = buf.indexOf('\r\n', at);
  const line = buf.toString('utf8', at + 1, eol === -1 ? buf.length : eol);
  const count = /^-?\d{0,15}\r?$/.test(line); // a number, or the start of one
  if (!(type === '+' || type === '-' || (count && ':$*'.includes(type)))) throw notRedis();
  if (eol === -1) return; // the rest of the line has not come yet
  if (type === '-') return [Object.assign(Error(line), { code: 'REDIS' }), eol + 2]; // -ERR …
  if (type === '+') return [line, eol + 2];
  if (!/^-?\d{1,15}$/.test(line)) throw notRedis();
  const [n, next] = [Number(line), eol + 2];
  if (type === ':') return [n, next];
  if (n < 0) return [null, next]; // $-1 or *-1: nothing
  const end = next + n; // $6: six bytes (你好 is 6), then \r\n: counted, never searched for
  if (type === '$' && end + 2 > buf.length) return; // not all of it yet
  if (type === '$' && buf.readUInt16BE(end) !== 0x0d0a) throw notRedis(); // \r\n, as counted
  if (type === '$') return [buf.toString('utf8', next, end), end + 2];
  const items: Reply[] = []; // *3: three replies follow, each parsed the same way
  for (let r = n ? parse(buf, next) : undefined; r; r = parse(buf, r[1])) {
    if (items.push(r[0]) === n) return [items, r[1]];
  }
  return n === 0 ? [items, next] : undefined;
}

// Node calls arrive() for each new connection, then 'data' whenever it has sent bytes: no waits.
function arrive(conn: Socket) {
  conn.on('error', () => {}); // a reset: 'close' follows, and that is a leave like any other
  const c: Client = { conn, nick: '', from: `${conn.remoteAddress}:${conn.remotePort}` };
  if (room.size >= maxClients) return void hangUp(c, '! room is full\n');
  room.add(c);
  send(c, '* welcome to the room; what is your nickname?\n');
  let pending: Buffer = Buffer.alloc(0); // the start of a line whose end has not arrived yet
  conn.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (let end = pending.indexOf(10); end !== -1 && conn.writable; end = pending.indexOf(10)) {
      const line = pending.subarray(0, pending[end - 1] === 13 ? end - 1 : end); // drop a \r
      pending = pending.subarray(end + 1);
      if (line.length > MAX_LINE) return void hangUp(c, '! line too long\n');
      hear(c, line.toString('utf8')); // invalid UTF-8 becomes U+FFFD, never an error
    }
    if (pending.length > MAX_LINE + 1) hangUp(c, '! line too long\n'); // no end in sight
  });
  conn.on('end', () => hangUp(c)).on('close', () => leave(c)); // it is done: what it is owed, FIN
}
function hear(c: Client, line: string) {
  const [command = '', arg = ''] = line.startsWith('/') ? line.split(' ') : [];
  if (command === '/quit') return void hangUp(c);
  if (!c.nick) return rename(c, line); // the first line is a nickname
  if (!command) return line && broadcast(`<${c.nick}> ${line}\n`, c); // the sender gets no copy
  if (command === '/who')
    send(c, `* online: ${nicks().join(', ')}\n`); // this process's only
  else if (command === '/nick') rename(c, arg);
  else send(c, `! unknown command ${command}\n`);
}
function rename(c: Client, nick: string) {
  if (!NICK.test(nick)) return send(c, '! a nickname is 1 to 16 letters, digits, _ or -\n');
  if (nicks().includes(nick)) return send(c, `! ${nick} is taken, choose another\n`);
  const [old, others] = [c.nick, nicks()];
  c.nick = nick;
  if (old) return broadcast(`* ${old} is now ${nick}\n`);
  const more = others.length > 20 ? ` and ${others.length - 20} more` : ''; // 20 names at most
  const list = others.slice(0, 20).join(', ') + more;
  send(c, `* you are ${nick}; ${list ? `online: ${list}` : 'no one else is here'}\n`);
  broadcast(`* ${nick} joined\n`, c);
  console.log(`${nick} joined from ${c.from}`); // c.conn.remoteAddress: gone with the socket
}
function leave(c: Client, why = 'left') {
  c.conn.destroy(); // if it is not closed already
  outbox.delete(c);
  if (!room.delete(c) || !c.nick) return; // told already, or never named: no one knew of it
  broadcast(`* ${c.nick} ${why}\n`);
  console.log(`${c.nick} ${why}`);
}

// ---- output: one write per client and turn of the loop, and a limit on what it leaves unread --
// Each line for the whole room is also published, unless it came from Redis (share: false).
let outbox = new Map<Client, string[]>(); // the lines each client is sent at the end of this turn
let published: string[] = []; // and the PUBLISH commands for Redis, in one write too
function broadcast(line: string, except?: Client, share = true) {
  for (const c of room) if (c.nick && c !== except) send(c, line);
  if (!share || !pub) return; // from Redis, or the room is split: for this process's clients only
  if (!outbox.size && !published.length) setImmediate(flush);
  published.push(encode('PUBLISH', CHANNEL, `${ME} ${line.slice(0, -1)}`));
}
function send(c: Client, line: string) {
  if (!c.conn.writable) return; // ended or destroyed
  if (!outbox.size && !published.length) setImmediate(flush); // once this turn's reads are done
  outbox.get(c)?.push(line) ?? outbox.set(c, [line]); // onto its list, or a new list
}
function flush() {
  const [batch, commands] = [outbox, published];
  [outbox, published] = [new Map(), []];
  if (commands.length) pub?.write(commands.join('')); // pipelined: the answers come later
  for (const [c, lines] of batch) {
    if (c.conn.writableLength > MAX_QUEUE) leave(c, 'was too slow and was disconnected');
    else c.conn.write(lines.join('')); // send(): what the kernel cannot take waits in writableLength
  }
}
function hangUp(c: Client, last = '') {
  if (c.conn.writable) c.conn.end((outbox.get(c) ?? []).join('') + last, () => c.conn.destroy());
  outbox.delete(c);
  setTimeout(() => c.conn.destroy(), 2000).unref(); // close(): once sent, or if it never reads
  return new Promise((done) => c.conn.once('close', done)); // once(): rejects on 'error'
}
// ---- plumbing: flags, errors ----------------------------------------------------------------
type Flags = ReturnType<typeof flags>;
function flags(defaultPort: number) {
  const { deno, bun } = process.versions as Record<string, string | undefined>;
  const tsx = process.execArgv.some((arg) => arg.includes('tsx'));
  const run = deno ? 'deno run -A' : bun ? 'bun' : tsx ? 'npx tsx' : 'node';
  const shown = `[--host 127.0.0.1] [--port ${defaultPort}] [--redis 127.0.0.1:6379] [--max-clients 10000]`;
  const usage = `usage: ${run} ${relative('.', process.argv[1] ?? '')} ${shown}`;
  const text = (value: string) => ({ type: 'string', default: value }) as const;
  try {
    const options = { host: text('127.0.0.1'), port: text(`${defaultPort}`) };
    const more = { redis: text('127.0.0.1:6379'), 'max-clients': text('10000') };
    const help = { type: 'boolean' } as const;
    const { values: v } = parseArgs({ options: { ...options, ...more, help } });
    if (v.help) exit(usage, 0, console.log);
    const f = (['port', 'max-clients'] as const).find((f) => !/^\d{1,9}$/.test(v[f]));
    if (f || +v.port > 65535) {
      const takes = f && f !== 'port' ? 'a whole number' : 'a number from 0 to 65535';
      throw new Error(`--${f ?? 'port'} takes ${takes}, not '${v[f ?? 'port']}'`);
    }
    const [, rHost = '', rPort = ''] = /^\[?([^[\]]+)\]?:(\d{1,5})$/.exec(v.redis) ?? [];
    if (!rHost || +rPort > 65535) throw Error(`--redis takes HOST:PORT, not '${v.redis}'`);
    if (v.host === '0.0.0.0' || v.host === '::') {
      console.error(`warning: ${v.host} means every interface: other machines can connect`);
    }
    const redis = { host: rHost, port: +rPort, at: v.redis };
    return { host: v.host, port: +v.port, redis, maxClients: +v['max-clients'] };
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}
function fail(err: NodeJS.ErrnoException): never {
  const start = 'start redis-server, or give --redis HOST:PORT';
  const why: Record<string, string> = {
    ECONNREFUSED: `nothing is listening on ${redis.at} — ${start}`,
    ECONNRESET: `Redis at ${redis.at} closed the connection — ${start}`,
    EPROTO: `${redis.at} does not answer in Redis's protocol — check --redis`,
    ETIMEDOUT: `${redis.at} did not answer in 5 s — is it Redis? Check --redis`,
    REDIS: `Redis at ${redis.at} said: ${err.message}`,
    EADDRINUSE: `${host}:${port} is already in use — stop the other server or choose another --port`,
    EADDRNOTAVAIL: `${host} is not an address of this machine — try --host 127.0.0.1`,
    ENOTFOUND: `cannot resolve ${(err as { hostname?: string }).hostname} — check the spelling`,
  };
  const code = err.code === 'EINVAL' ? 'EADDRNOTAVAIL' : (err.code ?? ''); // EINVAL: Deno's word
  return exit(why[code] ?? `error: ${err.message}`, 1);
}
function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
