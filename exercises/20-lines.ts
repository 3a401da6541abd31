// Exercise 20-lines, cut from scripts/20-chat-room-server.ts: lesson 20. See exercises/README.md.
/**
 * @title Chat room: every client at once, one event loop
 * @mirrors 二.1 ④, many clients at once (beyond the tutorial)
 * @pair 21-chat-room-client.ts
 * @run npx tsx scripts/20-chat-room-server.ts --port 8090
 * @long a room has rules: nicknames, commands, three limits, a clean Ctrl+C, a stall to show
 *
 * One process serves every connection at once: nicknames, join and leave news, each line to all
 * the others. `nc` and `telnet` are clients as good as 21. A client that stops reading is cut off.
 */
import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

const MAX_LINE = 1024; // bytes in a line, before its line end
const MAX_QUEUE = 64 * 1024; // bytes of output a client may leave unread before it is cut off
const NICK = /^[\p{L}\p{N}_-]{1,16}$/u; // letters and digits of any script, _ and -
const { host, port, maxClients, stall } = flags(8090);
process.on('uncaughtException', fail);
main().catch(fail);
type Client = { conn: Socket; nick: string; from: string }; // nick: '' until it has chosen one
const room = new Set<Client>(); // every connection; those with a nickname are the ones in the room
const nicks = () => [...room].filter((c) => c.nick).map((c) => c.nick);

async function main() {
  const server = createServer({ allowHalfOpen: true }, arrive).listen(port, host); // listen()
  await once(server, 'listening');
  const { address, port: bound } = server.address() as AddressInfo;
  console.log(`listening on ${address.includes(':') ? `[${address}]` : address}:${bound}`);
  process.once('SIGINT', async () => {
    server.close(); // no one new; a goodbye to each, and once all have gone, end by the signal
    await Promise.all([...room].map((c) => hangUp(c, '* server shutting down\n')));
    process.kill(process.pid, 'SIGINT');
  });
  // Lesson 20's demonstration: every second, a synchronous sleep; meanwhile no one is served.
  if (stall) setInterval(Atomics.wait, 1000, new Int32Array(new SharedArrayBuffer(4)), 0, 0, stall);
}

// Node calls arrive() for each new connection, then 'data' whenever it has sent bytes: no waits.
function arrive(conn: Socket) {
  conn.on('error', () => {}); // a reset: 'close' follows, and that is a leave like any other
  const c: Client = { conn, nick: '', from: `${conn.remoteAddress}:${conn.remotePort}` };
  if (room.size >= maxClients) return void hangUp(c, '! room is full\n');
  room.add(c);
  send(c, '* welcome to the room; what is your nickname?\n');
  // -- exercise 20-lines --
  // TODO (exercise 20-lines): lines from bytes: cut what a client sends into lines, whatever the reads
  // On each 'data' chunk (a Buffer), keep the bytes of a line whose \n has not come yet,
  // and hand every complete line to hear(c, text), without a \r before its \n. A line over
  // MAX_LINE bytes, or more than MAX_LINE + 1 bytes with no \n yet: hangUp(c, "! line too long\n").
  // A hint: npm run exercises -- hint 20-lines. Done? npm run exercises -- check 20-lines
  // -- end of exercise 20-lines --
  conn.on('end', () => hangUp(c)).on('close', () => leave(c)); // it is done: what it is owed, FIN
}
function hear(c: Client, line: string) {
  const [command = '', arg = ''] = line.startsWith('/') ? line.split(' ') : [];
  if (command === '/quit') return void hangUp(c);
  if (!c.nick) return rename(c, line); // the first line is a nickname
  if (!command) return line && broadcast(`<${c.nick}> ${line}\n`, c); // the sender gets no copy
  if (command === '/who') send(c, `* online: ${nicks().join(', ')}\n`);
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
let outbox = new Map<Client, string[]>(); // the lines each client is sent at the end of this turn
function broadcast(line: string, except?: Client) {
  for (const c of room) if (c.nick && c !== except) send(c, line);
}
function send(c: Client, line: string) {
  if (!c.conn.writable) return; // ended or destroyed
  if (!outbox.size) setImmediate(flush); // once this turn's reads are done: no added delay
  outbox.get(c)?.push(line) ?? outbox.set(c, [line]); // onto its list, or a new list
}
function flush() {
  const batch = outbox;
  outbox = new Map();
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
function flags(defaultPort: number) {
  const { deno, bun } = process.versions as Record<string, string | undefined>;
  const tsx = process.execArgv.some((arg) => arg.includes('tsx'));
  const run = deno ? 'deno run -A' : bun ? 'bun' : tsx ? 'npx tsx' : 'node';
  const usage = `usage: ${run} ${relative('.', process.argv[1] ?? '')} [--host 127.0.0.1] [--port ${defaultPort}] [--max-clients 10000] [--stall MS]`;
  const text = (value: string) => ({ type: 'string', default: value }) as const;
  try {
    const options = { host: text('127.0.0.1'), port: text(`${defaultPort}`), stall: text('0') };
    const more = { 'max-clients': text('10000'), help: { type: 'boolean' } } as const;
    const { values: v } = parseArgs({ options: { ...options, ...more } });
    if (v.help) exit(usage, 0, console.log);
    const f = (['port', 'max-clients', 'stall'] as const).find((f) => !/^\d{1,9}$/.test(v[f]));
    if (f || +v.port > 65535) {
      const takes = f && f !== 'port' ? 'a whole number' : 'a number from 0 to 65535';
      throw new Error(`--${f ?? 'port'} takes ${takes}, not '${v[f ?? 'port']}'`);
    }
    if (v.host === '0.0.0.0' || v.host === '::') {
      console.error(`warning: ${v.host} means every interface: other machines can connect`);
    }
    return { host: v.host, port: +v.port, maxClients: +v['max-clients'], stall: +v.stall };
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}
function fail(err: NodeJS.ErrnoException): never {
  const why: Record<string, string> = {
    EADDRINUSE: `${host}:${port} is already in use — stop the other server or choose another --port`,
    EADDRNOTAVAIL: `${host} is not an address of this machine — try --host 127.0.0.1`,
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
  };
  const code = err.code === 'EINVAL' ? 'EADDRNOTAVAIL' : (err.code ?? ''); // EINVAL: Deno's word
  return exit(why[code] ?? `error: ${err.message}`, 1);
}
function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
