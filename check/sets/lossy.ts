/**
 * What the check sets of lessons 22–25 share: the checker plays a lossy network there. A seeded
 * generator decides which datagrams it drops, repeats, holds back or damages, so a run can be
 * repeated; waits are for an order of events (an answer, a printed line), never for a time.
 * Generic enough for any UDP lesson's set (the lead may move it next to check/checks.ts).
 */
import { type Proc, pause } from '../../test/harness.ts';
import { exitedWith, lastWords, Miss, WAIT_MS } from '../checks.ts';

/** A seeded generator of numbers in [0, 1) (xorshift32): the same seed, the same fates. */
export function seeded(seed: number) {
  let state = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
  for (let i = 0; i < 8; i++) next(); // the first few of a small seed are small
  return next;
}

/** Bytes from a seeded generator: a file to send whose every run is the same. */
export function seededBytes(seed: number, length: number) {
  const random = seeded(seed);
  return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
}

/** A pause for what must NOT happen (an answer to a lost ping): short, and only after the event
 * that would have caused it has been seen. Never used to wait for something to come. */
export const quiet = (ms = 300) => pause(ms);

/** The lines of a program's output, as a list shown in a Miss. */
export const lined = (text: string, max = 8) => {
  const lines = text.trimEnd().split('\n');
  const cut = lines.length > max ? [...lines.slice(0, max), `… ${lines.length - max} more`] : lines;
  return cut.map((l) => JSON.stringify(l)).join(', ') || 'nothing';
};

/**
 * How a process ended; a Miss if it is still running `ms` after its last sign of progress
 * (`progress()` changing: a datagram it sent, a line it printed). For a program that runs longer
 * than one wait by design (a --timeout of seconds, a transfer through losses): each step of it
 * gets the whole wait, and one that stops making progress is caught as soon as any other.
 */
export async function endsAfter(
  proc: Proc,
  sent: string,
  expected: string,
  { progress = (): unknown => 0, ms = WAIT_MS } = {},
) {
  let over = false;
  const done = proc.then((r) => {
    over = true;
    return r;
  });
  let [last, since] = [progress(), performance.now()];
  while (!over) {
    const now = progress();
    if (now !== last) [last, since] = [now, performance.now()];
    if (performance.now() - since > ms)
      throw new Miss(
        sent,
        expected,
        `it was still running, ${ms / 1000} s after it last did anything; ${lastWords(proc)}`,
      );
    await pause(20);
  }
  return done;
}

/** A Miss unless the process ends (as `endsAfter` waits) with this exit code. */
export async function exitsAfter(
  proc: Proc,
  code: number,
  sent: string,
  expected: string,
  options: { progress?: () => unknown; ms?: number } = {},
) {
  return exitedWith(proc, await endsAfter(proc, sent, expected, options), code, sent, expected);
}
