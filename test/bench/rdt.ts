/**
 * `npm run bench:rdt`: lessons 24/25 moving 1 MiB through --loss on both ends, --window 1 and 64,
 * side by side in one run (lesson 25's 30 % row; `npm run bench:udp` gives the rows from 0 to
 * 0.2). Not part of `npm test`: a test checks that the file arrives whole, never how fast.
 *
 *   npm run bench:rdt                       --loss 0.3, three runs of each window
 *   npm run bench:rdt -- --loss 0.2 --runs 5
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { command, scriptPath } from '../harness.ts';

const { values } = parseArgs({
  options: { loss: { type: 'string', default: '0.3' }, runs: { type: 'string', default: '3' } },
});
const [loss, runs] = [values.loss, Number(values.runs)];
const folder = mkdtempSync(join(tmpdir(), 'sockets-kit-bench-rdt-'));
process.on('exit', () => rmSync(folder, { recursive: true, force: true }));
const [input, output, data] = [join(folder, 'in'), join(folder, 'out'), randomBytes(2 ** 20)];
writeFileSync(input, data);

/** One transfer: the sender's own summary (MB/s from the first datagram to the last ACK). */
async function transfer(window: number) {
  const [file, ...args] = command(scriptPath('24-rdt-receiver.ts'));
  const receiver = spawn(file ?? 'node', [...args, '--port', '0', '--loss', loss, '--out', output]);
  const [ready] = await once(receiver.stdout, 'data');
  const port = /:(\d+)\n/.exec(`${ready}`)?.[1] ?? '';
  const [sfile, ...sargs] = command(scriptPath('25-rdt-sender.ts'));
  const flags = ['--port', port, '--loss', loss, '--window', `${window}`, '--file', input];
  const sender = spawn(sfile ?? 'node', [...sargs, ...flags]);
  const [said, [code]] = await Promise.all([text(sender.stderr), once(sender, 'exit')]);
  await once(receiver, 'exit');
  if (code !== 0 || !data.equals(readFileSync(output))) throw new Error(`25 failed: ${said}`);
  const [, seconds = '', rate = '', again = ''] =
    /in ([\d.]+) s \(([\d.]+) MB\/s\).*?(\d+) retransmitted/.exec(said) ?? [];
  return { seconds, rate, again };
}

console.log(`1 MiB (874 data datagrams), --loss ${loss} on both ends, ${runs} runs each`);
console.log(`load average at the start: ${loadavg()[0]?.toFixed(2)}\n`);
console.log(
  `${'window'.padEnd(8)}${'MB/s'.padStart(8)}${'seconds'.padStart(9)}${'sent again'.padStart(12)}`,
);
for (let run = 0; run < runs; run++) {
  for (const window of [1, 64]) {
    const { seconds, rate, again } = await transfer(window);
    console.log(
      `${String(window).padEnd(8)}${rate.padStart(8)}${seconds.padStart(9)}${again.padStart(12)}`,
    );
  }
}
