/** Every lesson's check set, one for each script of the pairs 01–25, and the exercises. */
import type { CheckSet, Wrong } from '../checks.ts';
import type { Exercise } from '../exercises.ts';
import { client02, exercises0102, server01, wrong0102 } from './01-02-tcp-chat.ts';
import { client28, exercises2728, server27, wrong2728 } from './27-28-http.ts';

export const sets: CheckSet[] = [server01, client02, server27, client28];

export const exercises: Exercise[] = [...exercises0102, ...exercises2728];

export const wrongs: Wrong[] = [...wrong0102, ...wrong2728];
