"""Lesson 20's chat room in Python asyncio, stdlib only: the yardstick of `npm run bench:room`.

The same wire format, limits and outbox as 20-chat-room-server.ts, one asyncio.Protocol per
connection (streams would pause reading at twice their line limit). Flags: --port, --max-clients,
--no-queue-limit.   python3 test/bench/room.py --port 8090
"""
import argparse, asyncio, re, signal

flag = argparse.ArgumentParser()
flag.add_argument('--port', type=int, default=8090)
flag.add_argument('--max-clients', type=int, default=10000)
flag.add_argument('--no-queue-limit', action='store_true')
args = flag.parse_args()
room = {}  # every connection -> None; those with a nickname are the ones in the room
outbox = {}  # connection -> the lines it is sent at the end of this turn of the loop


def nicks(): return [c.nick for c in room if c.nick]


def broadcast(line, but=None):
    for c in room:
        if c.nick and c is not but: c.send(line)


def flush():
    batch = dict(outbox)
    outbox.clear()
    for c, text in batch.items():
        c.t.write(''.join(text).encode())
        if not args.no_queue_limit and c.t.get_write_buffer_size() > 64 * 1024:
            c.why = 'was too slow and was disconnected'
            c.t.abort()


class Client(asyncio.Protocol):
    def connection_made(self, t):
        self.t, self.nick, self.why, self.pending = t, '', 'left', b''
        if len(room) >= args.max_clients: return self.hang_up('! room is full\n')
        room[self] = None
        self.send('* welcome to the room; what is your nickname?\n')

    def data_received(self, data):
        *lines, self.pending = (self.pending + data).split(b'\n')
        for line in lines:
            if self.t.is_closing(): return
            line = line[:-1] if line.endswith(b'\r') else line
            if len(line) > 1024: return self.hang_up('! line too long\n')
            self.hear(line.decode('utf-8', 'replace'))
        if len(self.pending) > 1025: self.hang_up('! line too long\n')

    def eof_received(self):  # it is done sending: what it is owed, then close
        self.hang_up()
        return True

    def hear(self, line):
        command, _, arg = line.partition(' ') if line.startswith('/') else ('', '', '')
        if command == '/quit': self.hang_up()
        elif not self.nick: self.rename(line)
        elif not command: line and broadcast(f'<{self.nick}> {line}\n', self)
        elif command == '/who': self.send(f'* online: {", ".join(nicks())}\n')
        elif command == '/nick': self.rename(arg.split(' ')[0])
        else: self.send(f'! unknown command {command}\n')

    def rename(self, nick):
        if not re.fullmatch(r'[\w-]{1,16}', nick):  # \w: letters and digits of any script, and _
            return self.send('! a nickname is 1 to 16 letters, digits, _ or -\n')
        if nick in nicks(): return self.send(f'! {nick} is taken, choose another\n')
        old, others, self.nick = self.nick, nicks(), nick
        if old: return broadcast(f'* {old} is now {nick}\n')
        more = f' and {len(others) - 20} more' if len(others) > 20 else ''
        online = f'online: {", ".join(others[:20])}{more}' if others else 'no one else is here'
        self.send(f'* you are {nick}; {online}\n')
        broadcast(f'* {nick} joined\n', self)
        print(f'{nick} joined from %s:%d' % self.t.get_extra_info('peername')[:2], flush=True)

    def connection_lost(self, exc):
        room.pop(self, None)
        outbox.pop(self, None)
        if self.nick:
            broadcast(f'* {self.nick} {self.why}\n')
            print(f'{self.nick} {self.why}', flush=True)

    def send(self, line):
        if self.t.is_closing(): return
        if not outbox: asyncio.get_running_loop().call_soon(flush)
        outbox.setdefault(self, []).append(line)

    def hang_up(self, last=''):
        self.t.write(''.join([*outbox.pop(self, []), last]).encode())
        self.t.close()
        asyncio.get_running_loop().call_later(2, self.t.abort)


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Client, '127.0.0.1', args.port, backlog=511)
    print(f'listening on 127.0.0.1:{server.sockets[0].getsockname()[1]}', flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM): loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for c in list(room): c.hang_up('* server shutting down\n')
    await asyncio.sleep(0.1)


asyncio.run(main())
