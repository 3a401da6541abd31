/** Every lesson's check set, one for each script of the pairs 01–25, and the exercises. */
import type { CheckSet, Wrong } from '../checks.ts';
import type { Exercise } from '../exercises.ts';
import { client02, exercises0102, server01, wrong0102 } from './01-02-tcp-chat.ts';
import { exercises05, server05, wrong05 } from './05-tcp-reuseaddr.ts';
import { client07, exercises0607, server06, wrong0607 } from './06-07-tcp-multi.ts';

export const sets: CheckSet[] = [server01, client02, server05, server06, client07];

export const exercises: Exercise[] = [...exercises0102, ...exercises05, ...exercises0607];

export const wrongs: Wrong[] = [...wrong0102, ...wrong05, ...wrong0607];
