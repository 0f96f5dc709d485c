import {Table, TableIndex, defineMigration} from '@systemprompt/database/schema';

const column = (name: string, type: string, extra: Record<string, unknown> = {}) => ({name, type, ...extra});
const varchar = (name: string, length: number, nullable = false) =>
  column(name, 'varchar', {length: String(length), isNullable: nullable});

export default defineMigration({
  name: '20261203080000-create-queue',
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'queue_jobs',
            columns: [
              {...varchar('id', 26), isPrimary: true},
              varchar('queue', 100),
              varchar('status', 12),
              column('priority', 'integer'),
              column('run_at', 'bigint'),
              column('attempts', 'integer'),
              column('max_attempts', 'integer'),
              column('payload', 'text'),
              column('result', 'text', {isNullable: true}),
              column('last_error', 'text', {isNullable: true}),
              varchar('lease_owner', 64, true),
              column('lease_expires_at', 'bigint', {isNullable: true}),
              varchar('idempotency_key', 200, true),
              varchar('created_by', 320, true),
              column('created_at', 'bigint'),
              column('started_at', 'bigint', {isNullable: true}),
              column('finished_at', 'bigint', {isNullable: true}),
              column('updated_at', 'bigint'),
            ],
            indices: [
              // The one index the work goes through: a claim reads it in order (queue and status fixed, then
              // priority, run_at, id), so finished jobs, under other statuses, are never walked past; expired
              // leases are found under (queue, 'running'). Each index more costs every claim and outcome
              // (two more made both ~5x slower on SQLite), so there is none for cleanup or by lease.
              new TableIndex({
                name: 'ix_queue_jobs_claim',
                columnNames: ['queue', 'status', 'priority', 'run_at', 'id'],
              }),
              new TableIndex({name: 'ux_queue_jobs_key', columnNames: ['queue', 'idempotency_key'], isUnique: true}),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('queue_jobs'),
    },
  ],
});
