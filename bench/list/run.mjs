#!/usr/bin/env node
// Lists over a table that grows, paged in the database (issue 12, item 4): 20 rows of the audit log
// with 1,000,000 records against the same command on an empty log, as whole commands (interleaved,
// with each command's peak memory). Target: the large log within 10% of the empty one (<= 1.10x).
//
// Two temporary homes on the embedded SQLite database, migrated by `database:migrate` (the real
// schema); the large one then gets 1,000,000 chained audit records in one better-sqlite3
// transaction (each hashed as the users module hashes it, so permissions:audit --verify still holds).
// Usage: node bench/list/run.mjs [runs] [records]   (defaults 11 and 1000000; build first: pnpm run build)
// Exit status: 0 whether or not the target is met (a bench is no test); 1 when something fails.
import {createRequire} from 'node:module';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {bin, cliIn, loadNote, median, runNode, runsFromArgv, temporaryHome} from '../lib/measure.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const Database = createRequire(join(here, '../../packages/database/package.json'))('better-sqlite3');
const {AUDIT_HEAD_TABLE, chainHash} = await import(join(here, '../../packages/users/dist/services/audit-chain.js'));

const RUNS = runsFromArgv(11);
const say = (line) => process.stdout.write(`${line}\n`);
const RECORDS = Number(process.argv[3] ?? 1_000_000);
const TARGET = 1.1;

const databaseFile = (home) => join(home, 'data', 'modules', 'database', 'systemprompt.sqlite');

/** A log as a busy installation writes it: many actors and actions, most with a permission, a few refusals. */
const ACTIONS = [
  ['users.update', 'users:update'],
  ['config.set', 'config:write'],
  ['users.create', 'users:create'],
  ['api.create-key-for', null],
  ['permissions.grant', 'permissions:grant'],
  ['auth.login', null],
  ['database.query', 'database:write'],
  ['users.read', 'users:read'],
  ['roles.update', 'roles:write'],
  ['api.rotate-key-of', 'api-keys:write'],
];

/** Appends `count` chained records after the current head of the log, in one transaction. */
function fill(file, count) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const head = db.prepare(`SELECT seq, hash FROM ${AUDIT_HEAD_TABLE} WHERE id = 1`).get();
  const insert = db.prepare(
    'INSERT INTO users_audit (id, seq, at, actor_id, actor, action, target, result, permission, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const start = Date.parse('2026-01-01T00:00:00Z');
  let {seq, hash} = head;
  let id = db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM users_audit').get().id;
  db.transaction(() => {
    for (let index = 0; index < count; index++) {
      id += 1;
      seq += 1;
      const [action, permission] = ACTIONS[index % ACTIONS.length];
      const user = index % 1000;
      const record = {
        id,
        seq,
        at: new Date(start + index * 1000).toISOString(),
        actor_id: `user-${user}`,
        actor: `user${user}@example.com`,
        action,
        target: index % 3 === 0 ? null : `user${(index * 7) % 1000}@example.com`,
        result: index % 50 === 0 ? 'denied' : 'ok',
        permission,
        details: index % 4 === 0 ? JSON.stringify({index}) : null,
      };
      const next = chainHash(hash, record);
      insert.run(
        id,
        seq,
        record.at,
        record.actor_id,
        record.actor,
        record.action,
        record.target,
        record.result,
        record.permission,
        record.details,
        hash,
        next,
      );
      hash = next;
    }
    db.prepare(`UPDATE ${AUDIT_HEAD_TABLE} SET seq = ?, hash = ? WHERE id = 1`).run(seq, hash);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

const empty = temporaryHome('systemprompt-bench-list-empty-');
const large = temporaryHome('systemprompt-bench-list-large-');
try {
  for (const {home} of [empty, large]) cliIn(home, 'database:migrate', '--json');
  const started = performance.now();
  fill(databaseFile(large.home), RECORDS);
  say(
    `${RECORDS.toLocaleString('en')} audit records written in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const total = (home) => JSON.parse(cliIn(home, 'users:activity', '--limit', '1', '--json')).meta.total;
  say(`users:activity totals: empty log ${total(empty.home)}, large log ${total(large.home)}\n`);

  const command = (name, home, args) => ({
    name,
    args: [bin, ...args],
    env: {SYSTEMPROMPT_HOME: home, SYSTEMPROMPT_DATABASE_URL: undefined},
  });
  const cases = [
    {name: 'node -e 0', args: ['-e', '0'], env: {}},
    ...[
      ['users:activity', '--limit', '20', '--json'],
      ['permissions:audit', '--limit', '20', '--json'],
    ].flatMap((args) => [
      command(`${args[0]} (empty log)`, empty.home, args),
      command(`${args[0]} (${RECORDS.toLocaleString('en')} records)`, large.home, args),
    ]),
  ];
  // One round first that counts nothing (file caches, the manifest cache); then every case once per round.
  for (const item of cases) runNode(item.args, {env: item.env});
  const samples = cases.map(() => ({ms: [], mb: []}));
  for (let round = 0; round < RUNS; round++) {
    cases.forEach((item, index) => {
      const {ms, mb} = runNode(item.args, {env: item.env});
      samples[index].ms.push(ms);
      samples[index].mb.push(mb);
    });
  }
  const results = cases.map((item, index) => ({
    name: item.name,
    ms: median(samples[index].ms),
    mb: median(samples[index].mb),
  }));
  say(`${RUNS} interleaved runs, medians; ${loadNote()}`);
  say(
    'case'.padEnd(40) +
      'median ms'.padStart(10) +
      'vs node'.padStart(9) +
      'peak MB'.padStart(9) +
      'vs empty'.padStart(10) +
      '  target',
  );
  results.forEach((item, index) => {
    const large = index > 0 && index % 2 === 0;
    const ratio = large ? item.ms / results[index - 1].ms : undefined;
    const verdict =
      ratio === undefined ? '' : ratio <= TARGET ? `<= ${TARGET.toFixed(2)}x met` : `<= ${TARGET.toFixed(2)}x MISSED`;
    say(
      item.name.padEnd(40) +
        item.ms.toFixed(1).padStart(10) +
        `${(item.ms / results[0].ms).toFixed(2)}x`.padStart(9) +
        item.mb.toFixed(1).padStart(9) +
        (ratio === undefined ? '' : `${ratio.toFixed(2)}x`).padStart(10) +
        `  ${verdict}`,
    );
  });
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  empty.remove();
  large.remove();
}
