/** Every lesson's check set, one for each script of the pairs 01–25 and 27–28, the exercises, and the
 * classic wrong solutions the checker must fail. One file per pair of lessons. */
import type { CheckSet, Wrong } from '../checks.ts';
import type { Exercise } from '../exercises.ts';
import { client02, exercises0102, server01, wrong0102 } from './01-02-tcp-chat.ts';
import { client04, exercises0304, server03, wrong0304 } from './03-04-udp-echo.ts';
import { exercises05, server05, wrong05 } from './05-tcp-reuseaddr.ts';
import { client07, exercises0607, server06, wrong0607 } from './06-07-tcp-multi.ts';
import { client09, exercises0809, server08, wrong0809 } from './08-09-udp-chat.ts';
import { client11, exercises1011, server10, wrong1011 } from './10-11-udp-time.ts';
import { client13, exercises1213, server12, wrong1213 } from './12-13-sticky-partial.ts';
import { client15, server14, wrong1415 } from './14-15-sticky-merge.ts';
import { client17, exercises1617, server16, wrong1617 } from './16-17-framed.ts';
import { client19, exercises1819, server18, wrong1819 } from './18-19-unix.ts';
import { client21, exercises2021, server20, wrong2021 } from './20-21-chat-room.ts';
import { client23, exercises2223, server22, wrong2223 } from './22-23-udp-ping.ts';
import { exercises2425, receiver24, sender25, wrong2425 } from './24-25-rdt.ts';
import { client28, exercises2728, server27, wrong2728 } from './27-28-http.ts';

export const sets: CheckSet[] = [
  ...[server01, client02, server03, client04, server05, server06, client07],
  ...[server08, client09, server10, client11],
  ...[server12, client13, server14, client15, server16, client17],
  ...[server18, client19, server20, client21],
  ...[server22, client23, receiver24, sender25],
  ...[server27, client28],
];

export const exercises: Exercise[] = [
  ...[exercises0102, exercises0304, exercises05, exercises0607, exercises0809, exercises1011],
  ...[exercises1213, exercises1617, exercises1819, exercises2021],
  ...[exercises2223, exercises2425, exercises2728],
].flat();

export const wrongs: Wrong[] = [
  ...[wrong0102, wrong0304, wrong05, wrong0607, wrong0809, wrong1011],
  ...[wrong1213, wrong1415, wrong1617, wrong1819, wrong2021],
  ...[wrong2223, wrong2425, wrong2728],
].flat();
