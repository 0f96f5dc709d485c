#!/usr/bin/env node
// Data transfer benchmark: data:export and data:import through the real CLI on the embedded SQLite,
// with a synthetic table (bench_rows: an integer key, text, a number, 64 characters of hex) of 10,000
// and of ROWS rows. Prints rows per second of each and the peak RSS of the CLI process, so that memory
// can be seen to stay roughly flat as the table grows tenfold (rows are streamed page by page).
// Usage: node bench/data/run.mjs [rows]   (default 100,000; build first)
// Exit status: 0 whatever the figures (a bench is no test); 1 when a command fails or the re-export
// differs from the export.
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {bin, cliIn, runNode, say} from '../lib/measure.mjs';

const ROWS = Number(process.argv[2] ?? 100_000);
if (!Number.isInteger(ROWS) || ROWS < 10_000) {
  process.stderr.write('usage: node bench/data/run.mjs [rows]   (a whole number >= 10000)\n');
  process.exit(2);
}
const repo = fileURLToPath(new URL('../..', import.meta.url));
const Database = createRequire(join(repo, 'packages/database/package.json'))('better-sqlite3');
const TABLE = 'CREATE TABLE bench_rows (id integer PRIMARY KEY, name varchar(64) NOT NULL, amount double, note text)';

/** A new installation whose SQLite database has the bench table, with `rows` rows when asked. */
function installation(rows) {
  const home = mkdtempSync(join(tmpdir(), 'systemprompt-bench-data-'));
  cliIn(home, 'database:query', TABLE, '--write', '--confirm');
  if (rows > 0) {
    const db = new Database(join(home, 'data/modules/database/systemprompt.sqlite'));
    const insert = db.prepare('INSERT INTO bench_rows (id, name, amount, note) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      for (let id = 1; id <= rows; id++)
        insert.run(id, `row ${id}`, id * 1.25, id.toString(16).padStart(8, '0').repeat(8));
    })();
    db.close();
  }
  return home;
}

const env = {SYSTEMPROMPT_DATABASE_URL: undefined, SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true'};
const rowLines = (file) => readFileSync(file, 'utf8').split('\n').slice(1).join('\n');

function round(rows) {
  const source = installation(rows);
  const target = installation(0);
  try {
    const file = join(source, 'export.ndjson');
    const exported = runNode([bin, 'data:export', '--table', 'bench_rows', '--output', file, '--quiet'], {
      env: {...env, SYSTEMPROMPT_HOME: source},
    });
    const imported = runNode([bin, 'data:import', file, '--quiet'], {env: {...env, SYSTEMPROMPT_HOME: target}});
    const again = join(target, 'again.ndjson');
    runNode([bin, 'data:export', '--table', 'bench_rows', '--output', again, '--quiet'], {
      env: {...env, SYSTEMPROMPT_HOME: target},
    });
    if (rowLines(file) !== rowLines(again)) throw new Error(`the re-export of ${rows} rows differs from the export`);
    return {rows, exported, imported};
  } finally {
    rmSync(source, {recursive: true, force: true});
    rmSync(target, {recursive: true, force: true});
  }
}

try {
  say(`data:export / data:import through the CLI on SQLite (one run per size)`);
  say(
    'rows'.padStart(8) +
      'export rows/s'.padStart(15) +
      'peak MB'.padStart(9) +
      'import rows/s'.padStart(15) +
      'peak MB'.padStart(9),
  );
  const results = [round(10_000), round(ROWS)];
  for (const {rows, exported, imported} of results)
    say(
      String(rows).padStart(8) +
        Math.round(rows / (exported.ms / 1000))
          .toString()
          .padStart(15) +
        exported.mb.toFixed(0).padStart(9) +
        Math.round(rows / (imported.ms / 1000))
          .toString()
          .padStart(15) +
        imported.mb.toFixed(0).padStart(9),
    );
  const [small, large] = results;
  say(
    `peak RSS at ${large.rows} rows vs 10000: export ${(large.exported.mb / small.exported.mb).toFixed(2)}x, import ${(large.imported.mb / small.imported.mb).toFixed(2)}x (flat is ~1)`,
  );
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
