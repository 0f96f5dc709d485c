/**
 * A server process as far as rate limits go, for the tests that need several: boots the users and
 * api modules over the shared database, verifies the API key, prints `ready`, and when a line comes
 * on standard input runs its checks all at once and prints their decisions as one JSON line.
 *
 * node --import tsx/esm limit-checker.ts <home> <mysql URL or ""> <api key> <now, epoch ms> <checks>
 */
import {once} from 'node:events';
import {bootApiKernel} from './kernel.js';

const [home, databaseUrl, key, now, checks] = process.argv.slice(2);
const kernel = await bootApiKernel(home!, databaseUrl || undefined);
try {
  const actor = await kernel.api.keys.verify(key!);
  if (!actor) throw new Error('the API key does not verify');
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
  const decisions = await Promise.all(
    Array.from({length: Number(checks)}, (_, index) =>
      kernel.api.limits.check(actor, `GET /v1/check/${index}`, Number(now)),
    ),
  );
  process.stdout.write(`${JSON.stringify(decisions)}\n`);
} finally {
  await kernel.close();
}
