import {Table, TableForeignKey, TableIndex, defineMigration, type QueryRunner} from '@systemprompt/database/schema';

const column = (name: string, type: string, extra: Record<string, unknown> = {}) => ({name, type, ...extra});
const varchar = (name: string, length: number, nullable = false) =>
  column(name, 'varchar', {length: String(length), isNullable: nullable});
const millis = (name: string, nullable = false) => column(name, 'bigint', {isNullable: nullable});
const integer = (name: string) => column(name, 'integer');
// Task texts, snapshots, outputs and step results can pass MySQL's TEXT (64 KiB); MEDIUMTEXT holds 16 MiB.
const big = (runner: QueryRunner, name: string, nullable = false) =>
  column(name, ['mysql', 'mariadb'].includes(runner.connection.driver.options.type) ? 'mediumtext' : 'text', {
    isNullable: nullable,
  });

/** Each step is one DDL statement: MySQL commits DDL at once, and the runner undoes applied steps in reverse. */
export default defineMigration({
  name: '20261203140000-create-agents',
  rollbackDestroys: ['agents', 'agent_tasks', 'agent_steps'],
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'agents',
            columns: [
              {...varchar('name', 64), isPrimary: true},
              varchar('description', 1000, true),
              big(runner, 'instructions'),
              varchar('provider', 64),
              varchar('model', 200),
              column('tools', 'text'),
              column('limits', 'text'),
              varchar('run_as_id', 36, true),
              varchar('run_as_label', 320),
              varchar('state', 12),
              integer('version'),
              millis('created_at'),
              millis('updated_at'),
              varchar('created_by', 320),
              varchar('updated_by', 320),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('agents'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'agent_tasks',
            columns: [
              {...varchar('id', 32), isPrimary: true},
              varchar('agent', 64),
              varchar('status', 12),
              big(runner, 'text'),
              big(runner, 'input', true),
              big(runner, 'snapshot'),
              big(runner, 'output', true),
              column('error', 'text', {isNullable: true}),
              varchar('stop_reason', 16, true),
              varchar('requested_by', 320),
              varchar('trigger_label', 200, true),
              varchar('idempotency_key', 200, true),
              varchar('job_id', 32, true),
              integer('steps'),
              integer('tokens_in'),
              integer('tokens_out'),
              column('cost_micros', 'bigint'),
              millis('created_at'),
              millis('started_at', true),
              millis('finished_at', true),
              millis('updated_at'),
            ],
            indices: [
              // An agent's tasks, newest first (agents:status, agents:logs AGENT).
              new TableIndex({name: 'ix_agent_tasks_agent', columnNames: ['agent', 'created_at']}),
              // The waiting tasks a server queues, the running ones a status counts.
              new TableIndex({name: 'ix_agent_tasks_status', columnNames: ['status']}),
              // A repeated assignment (a workflow step run again) finds its task.
              new TableIndex({name: 'ux_agent_tasks_key', columnNames: ['idempotency_key'], isUnique: true}),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('agent_tasks'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'agent_steps',
            columns: [
              {...varchar('task_id', 32), isPrimary: true},
              {...column('seq', 'integer'), isPrimary: true},
              varchar('kind', 8),
              varchar('status', 12),
              varchar('name', 200),
              varchar('call_id', 200, true),
              big(runner, 'input', true),
              big(runner, 'output', true),
              varchar('outcome', 12, true),
              column('error', 'text', {isNullable: true}),
              integer('tokens_in'),
              integer('tokens_out'),
              column('latency_ms', 'integer', {isNullable: true}),
              millis('started_at'),
              millis('finished_at', true),
            ],
            // A task's steps go with it.
            foreignKeys: [
              new TableForeignKey({
                name: 'fk_agent_steps_task',
                columnNames: ['task_id'],
                referencedTableName: 'agent_tasks',
                referencedColumnNames: ['id'],
                onDelete: 'CASCADE',
              }),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('agent_steps'),
    },
  ],
});
