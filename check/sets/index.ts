/** Every lesson's check set, by lesson number: one for each script of the pairs 01–25. */
import type { CheckSet } from '../checks.ts';
import { client02, server01 } from './01-02-tcp-chat.ts';

export const sets: CheckSet[] = [server01, client02];

export const setFor = (lesson: string) => sets.find((s) => s.lesson === lesson);
