/** Every lesson's check set, one for each script of the pairs 01–25, and the exercises. */
import type { CheckSet, Wrong } from '../checks.ts';
import type { Exercise } from '../exercises.ts';
import { client02, exercises0102, server01, wrong0102 } from './01-02-tcp-chat.ts';
import { client23, exercises2223, server22, wrong2223 } from './22-23-udp-ping.ts';
import { exercises2425, receiver24, sender25, wrong2425 } from './24-25-rdt.ts';

export const sets: CheckSet[] = [server01, client02, server22, client23, receiver24, sender25];

export const exercises: Exercise[] = [...exercises0102, ...exercises2223, ...exercises2425];

export const wrongs: Wrong[] = [...wrong0102, ...wrong2223, ...wrong2425];
