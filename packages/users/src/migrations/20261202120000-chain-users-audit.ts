import {
  Table,
  TableColumn,
  TableIndex,
  defineMigration,
  type MigrationStep,
  type QueryRunner,
} from '@systemprompt/database/schema';
import {
  AUDIT_HEAD_TABLE,
  CHAINED_COLUMNS,
  GENESIS_HASH,
  chainHash,
  type ChainedFields,
} from '../services/audit-chain.js';

const PAGE = 500;

/** One nullable column of users_audit: nullable, so records written outside the chain stay visible to verify. */
const column = (name: string, type: 'integer' | 'varchar'): MigrationStep => ({
  up: (runner: QueryRunner) =>
    runner.addColumn(
      'users_audit',
      new TableColumn({name, type, ...(type === 'varchar' ? {length: '64'} : {}), isNullable: true}),
    ),
  down: (runner: QueryRunner) => runner.dropColumn('users_audit', name),
});

/**
 * Chains the audit log (see services/audit-chain.ts): each record gets its position, the hash of the one
 * before it and its own hash; `users_audit_head` keeps the newest position and hash. Records written
 * before this migration are chained here, in the order of their ids.
 */
export default defineMigration({
  name: '20261202120000-chain-users-audit',
  // Reverting this loses the chain (the head and every record's hashes; the records stay): like the
  // audit log itself, only when --module users is named.
  rollbackDestroys: [AUDIT_HEAD_TABLE],
  steps: [
    column('seq', 'integer'),
    column('prev_hash', 'varchar'),
    column('hash', 'varchar'),
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: AUDIT_HEAD_TABLE,
            columns: [
              // One row (id 1): its lock is what orders concurrent writers.
              {name: 'id', type: 'integer', isPrimary: true},
              {name: 'seq', type: 'integer'},
              {name: 'hash', type: 'varchar', length: '64'},
            ],
          }),
        ),
      down: (runner) => runner.dropTable(AUDIT_HEAD_TABLE),
    },
    {
      up: async (runner) => {
        let seq = 0;
        let previous = GENESIS_HASH;
        let lastId = 0;
        for (;;) {
          // A page at a time: the log may be large.
          const rows = (await runner.query(
            `SELECT ${CHAINED_COLUMNS.filter((name) => name !== 'seq').join(', ')} FROM users_audit WHERE id > ? ORDER BY id LIMIT ${PAGE}`,
            [lastId],
          )) as Array<Omit<ChainedFields, 'seq'>>;
          for (const row of rows) {
            seq += 1;
            const hash = chainHash(previous, {...row, seq});
            await runner.query('UPDATE users_audit SET seq = ?, prev_hash = ?, hash = ? WHERE id = ?', [
              seq,
              previous,
              hash,
              row.id,
            ]);
            previous = hash;
            lastId = Number(row.id);
          }
          if (rows.length < PAGE) break;
        }
        await runner.query(`INSERT INTO ${AUDIT_HEAD_TABLE} (id, seq, hash) VALUES (1, ?, ?)`, [seq, previous]);
      },
      down: async (runner) => {
        await runner.query(`DELETE FROM ${AUDIT_HEAD_TABLE}`);
        await runner.query('UPDATE users_audit SET seq = NULL, prev_hash = NULL, hash = NULL');
      },
    },
    {
      // Unique: two records can never claim the same position.
      up: (runner) =>
        runner.createIndex(
          'users_audit',
          new TableIndex({name: 'ux_users_audit_seq', columnNames: ['seq'], isUnique: true}),
        ),
      down: (runner) => runner.dropIndex('users_audit', 'ux_users_audit_seq'),
    },
  ],
});
