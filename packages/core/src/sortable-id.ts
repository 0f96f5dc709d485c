import {randomBytes, randomFillSync} from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
let lastMillis = 0;
let sequence = 0;
// Random bytes drawn 4 KiB at a time: one system call per ~680 ids instead of one each.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
const processPart = randomBytes(4).readUInt32BE(0).toString(36).padStart(7, '0').slice(-7);

/**
 * Ids that sort by creation time (26 characters of [0-9a-z]: milliseconds, a counter within the
 * millisecond, this process's random part, and random): rows keyed by them go to the end of the
 * primary key (no page splits on InnoDB), newest-first lists need no other tie-breaker, and ids made
 * by several processes never clash.
 */
export function newSortableId(now: number = Date.now()): string {
  if (now === lastMillis) sequence++;
  else {
    lastMillis = now;
    sequence = 0;
  }
  if (poolOffset + 6 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let tail = '';
  for (let index = 0; index < 6; index++) tail += ALPHABET[pool[poolOffset++]! % 36];
  return now.toString(36).padStart(9, '0') + sequence.toString(36).padStart(4, '0') + processPart + tail;
}
