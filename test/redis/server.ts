/**
 * A redis-server of the test's own (lesson 29), from the machine's packages (Debian: redis-server):
 * on loopback, on a free port, with persistence off (--save '' --appendonly no) in a temporary
 * folder, killed by its PID when the test ends. `npm run test:redis` and `npm run bench:redis`
 * need it; `npm test` does not.
 */
import { execa, type ResultPromise } from 'execa';
import { freePort, type Owner, PROCESS_TIMEOUT_MS, program, tempFolder } from '../harness.ts';

export interface Redis {
  port: number;
  /** `127.0.0.1:PORT`, as 29's --redis takes it. */
  address: string;
  pid: number;
  /** Everything it has logged (its log goes to stdout), from every start. */
  log: () => string;
  /** SIGTERM, then wait until it has exited: the rooms lose their connections. */
  stop: () => Promise<void>;
  /** Start it again on the same port, empty (nothing persists). */
  restart: () => Promise<void>;
  /** redis-cli against it: its answer, as redis-cli prints it. */
  cli: (...args: string[]) => Promise<string>;
}

/** Start a redis-server for `t` (extra settings as `--name value` pairs in `args`). */
export async function redisServer(t: Owner, args: string[] = []): Promise<Redis> {
  const folder = tempFolder(t, 'redis');
  let log = '';
  const options = { reject: false, timeout: PROCESS_TIMEOUT_MS * 5, stdin: 'ignore' } as const;
  let proc: ResultPromise<typeof options> | undefined;
  const settings = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', folder];
  const launch = async (port: number) => {
    // The time limit catches a hang; a bench runs for minutes, and teardown kills it anyway.
    const started = execa('redis-server', ['--port', `${port}`, ...settings, ...args], options);
    t.teardown(() => started.kill('SIGKILL'));
    proc = started;
    const from = log.length; // this start's own log
    // "Ready to accept connections" (7.0: then nothing; 7.2: then "tcp"). A port taken between
    // freePort() and here makes it exit instead: then another port.
    await new Promise<void>((ready, failed) => {
      started.stdout.on('data', (chunk: Buffer) => {
        log += chunk;
        if (log.slice(from).includes('Ready to accept connections')) ready();
      });
      started.then((r) => failed(new Error(`exited (${r.exitCode}): ${log.slice(-300)}`)));
    });
  };
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch(port);
      break;
    } catch (err) {
      if (attempt === 3) throw new Error(`redis-server did not start: ${(err as Error).message}`);
    }
  }
  return {
    port,
    address: `127.0.0.1:${port}`,
    get pid() {
      return proc?.pid ?? 0;
    },
    log: () => log,
    stop: async () => {
      proc?.kill('SIGTERM');
      await proc;
    },
    restart: () => launch(port),
    cli: async (...cli) => (await program(t, 'redis-cli', ['-p', `${port}`, ...cli])).stdout,
  };
}
