// Exercise 21-show, cut from scripts/21-chat-room-client.ts: lesson 21. See exercises/README.md.
/**
 * @title Chat room client: type and read at the same time
 * @mirrors 二.1 ④, many clients at once (beyond the tutorial)
 * @pair 20-chat-room-server.ts
 * @run npx tsx scripts/21-chat-room-client.ts --port 8090
 * @long full duplex on a terminal: a redraw that survives wrapped lines, and three clean endings
 *
 * Unlike lesson 02's lock-step, both directions run at once: each line from the room is printed
 * when it arrives, and the line being typed is redrawn below it, intact.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { relative } from 'node:path';
import { clearScreenDown, createInterface, moveCursor } from 'node:readline';
import { parseArgs } from 'node:util';

const { host, port } = flags(8090);
const terminal = Boolean(process.stdin.isTTY && process.stdout.isTTY); // a pipe: no prompt
process.on('uncaughtException', fail);
main().catch(fail);

async function main() {
  const sk = connect(port, host).on('error', fail); // refused, reset: one line, exit 1
  await once(sk, 'connect');
  const keyboard = createInterface({ input: process.stdin, output: process.stdout, terminal });
  keyboard.setPrompt(terminal ? '> ' : '');

  // From the room: print each line whenever it comes, even while a line is being typed.
  let rest = ''; // the start of a line whose end has not arrived yet
  // -- exercise 21-show --
  // TODO (exercise 21-show): print the room's lines as they arrive, whole
  // Decode the socket's bytes as UTF-8 and, on each 'data', call show(line) for every
  // complete line (without its \n). Keep the start of a line whose end has not come yet in
  // `rest`: the next piece finishes it (the 'end' handler below shows what is left).
  // A hint: npm run exercises -- hint 21-show. Done? npm run exercises -- check 21-show
  // -- end of exercise 21-show --
  sk.on('end', () => {
    if (rest) show(rest); // a last line with no line end: shown, not lost
    exit('(the server closed the connection)', 0, show); // exit() resets the tty
  });

  // To the room: each typed line, as soon as Enter is pressed; no waiting for an answer.
  keyboard.on('line', (line) => {
    sk.write(`${line}\n`);
    keyboard.prompt();
  });
  keyboard.on('close', () => sk.end()); // end of input (Ctrl+D, a pipe's end): FIN, then wait
  keyboard.on('SIGINT', () => {
    sk.destroy(); // Ctrl+C: no goodbye, so no answer from the room can end us first
    process.exitCode = 130; // 128 + SIGINT, in case the loop runs dry before the signal lands
    keyboard.close(); // Ctrl+C in a terminal is a key (raw mode): the terminal back as it was,
    process.stdout.write('\n', () => process.kill(process.pid, 'SIGINT')); // then end quietly
  });
  keyboard.prompt();
  /** Clear the line being typed, print above it, then redraw the prompt and what was typed. */
  function show(line: string) {
    const { rows } = keyboard.getCursorPos(); // a long typed line wraps: rows above the cursor
    if (terminal) moveCursor(process.stdout, -process.stdout.columns, -rows); // to its start,
    if (terminal) clearScreenDown(process.stdout); // and clear it
    // Control characters (escape sequences) and the overrides that reorder text: shown, not obeyed.
    console.log(line.replace(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu, '\uFFFD'));
    if (!terminal || sk.readableEnded || sk.writableEnded) return;
    Object.assign(keyboard, { prevRows: 0 }); // readline's own count of the rows above its cursor
    keyboard.prompt(true); // the prompt and the typed line again, the cursor where it was
  }
}

// ---- plumbing: flags, errors -----------------------------------------------------------------
function flags(defaultPort: number) {
  const { deno, bun } = process.versions as Record<string, string | undefined>;
  const tsx = process.execArgv.some((arg) => arg.includes('tsx'));
  const run = deno ? 'deno run -A' : bun ? 'bun' : tsx ? 'npx tsx' : 'node';
  const usage = `usage: ${run} ${relative('.', process.argv[1] ?? '')} [--host 127.0.0.1] [--port ${defaultPort}]`;
  try {
    const { host, port, help } = parseArgs({
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: `${defaultPort}` },
        help: { type: 'boolean' },
      },
    }).values;
    if (help) exit(usage, 0, console.log);
    if (!/^\d{1,5}$/.test(port) || +port > 65535) {
      throw new Error(`--port takes a number from 0 to 65535, not '${port}'`);
    }
    return { host, port: +port };
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}

function fail(err: NodeJS.ErrnoException): never {
  const why: Record<string, string> = {
    ECONNREFUSED: `nothing is listening on ${host}:${port} — start 20-chat-room-server.ts first`,
    ENOTFOUND: `cannot resolve --host ${host} — check the spelling`,
    ECONNRESET: 'the server reset the connection — it is gone',
    EPIPE: 'the server went away before the message was sent',
  };
  return exit(why[err.code ?? ''] ?? `error: ${err.message}`, 1);
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
