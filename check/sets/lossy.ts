/**
 * What the check sets of lessons 22–25 share: the checker plays a lossy network there. A seeded
 * generator decides which datagrams it drops, repeats, holds back or damages, so a run can be
 * repeated; waits are for an order of events (an answer, a printed line), never for a time.
 * Generic enough for any UDP lesson's set (the lead may move it next to check/checks.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../../test/harness.ts';
import { type Context, type Miss, WAIT_MS } from '../checks.ts';

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

/** Wait until `holds()` is true; else throw the Miss that `miss()` makes (what came instead). */
export async function waitUntil(holds: () => boolean, miss: () => Miss, ms = WAIT_MS) {
  await until(() => (holds() ? 'y' : ''), 'y', 'the program', ms).catch(() => {
    throw miss();
  });
}

/** A pause for what must NOT happen (an answer to a lost ping): short, and only after the event
 * that would have caused it has been seen. Never used to wait for something to come. */
export const quiet = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

/** A folder of the check's own, removed when the check ends. */
export function folder(c: Context) {
  const dir = mkdtempSync(join(tmpdir(), 'sockets-kit-check-'));
  c.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The lines of a program's output, as a list shown in a Miss. */
export const lined = (text: string, max = 8) => {
  const lines = text.trimEnd().split('\n');
  const cut = lines.length > max ? [...lines.slice(0, max), `… ${lines.length - max} more`] : lines;
  return cut.map((l) => JSON.stringify(l)).join(', ') || 'nothing';
};
