import {Table, TableForeignKey, TableIndex, defineMigration, type QueryRunner} from '@systemprompt/database/schema';

const column = (name: string, type: string, extra: Record<string, unknown> = {}) => ({name, type, ...extra});
const varchar = (name: string, length: number, nullable = false) =>
  column(name, 'varchar', {length: String(length), isNullable: nullable});
const millis = (name: string, nullable = false) => column(name, 'bigint', {isNullable: nullable});
// Definitions, inputs and step outputs can pass MySQL's TEXT (64 KiB); MEDIUMTEXT holds 16 MiB. SQLite has one TEXT.
const big = (runner: QueryRunner, name: string, nullable = false) =>
  column(name, ['mysql', 'mariadb'].includes(runner.connection.driver.options.type) ? 'mediumtext' : 'text', {
    isNullable: nullable,
  });

/** Each step is one DDL statement: MySQL commits DDL at once, and the runner undoes applied steps in reverse. */
export default defineMigration({
  name: '20261215090000-create-workflows',
  rollbackDestroys: ['workflow_definitions', 'workflow_runs', 'workflow_steps'],
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'workflow_definitions',
            columns: [
              {...varchar('name', 64), isPrimary: true},
              varchar('description', 1000, true),
              column('version', 'integer'),
              big(runner, 'definition'),
              millis('created_at'),
              millis('updated_at'),
              varchar('created_by', 320),
              varchar('updated_by', 320),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('workflow_definitions'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'workflow_runs',
            columns: [
              {...varchar('id', 32), isPrimary: true},
              varchar('workflow', 64),
              column('version', 'integer'),
              varchar('status', 12),
              big(runner, 'definition'),
              big(runner, 'input'),
              big(runner, 'output', true),
              column('error', 'text', {isNullable: true}),
              column('actor', 'text'),
              varchar('actor_label', 320),
              varchar('parent_run_id', 32, true),
              varchar('parent_step', 400, true),
              varchar('trigger_label', 200, true),
              varchar('job_id', 32, true),
              column('depth', 'integer'),
              millis('created_at'),
              millis('started_at', true),
              millis('finished_at', true),
              millis('updated_at'),
            ],
            indices: [
              // workflows:history NAME, newest first.
              new TableIndex({name: 'ix_workflow_runs_workflow', columnNames: ['workflow', 'created_at']}),
              new TableIndex({name: 'ix_workflow_runs_created', columnNames: ['created_at']}),
              new TableIndex({name: 'ix_workflow_runs_status', columnNames: ['status']}),
              // A cancel reaches the sub-runs.
              new TableIndex({name: 'ix_workflow_runs_parent', columnNames: ['parent_run_id']}),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('workflow_runs'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'workflow_steps',
            columns: [
              {...varchar('run_id', 32), isPrimary: true},
              {...varchar('path', 400), isPrimary: true},
              varchar('step_id', 64),
              varchar('type', 16),
              varchar('status', 12),
              column('attempts', 'integer'),
              big(runner, 'output', true),
              column('error', 'text', {isNullable: true}),
              millis('started_at', true),
              millis('finished_at', true),
              millis('updated_at'),
            ],
            // A run's step results go with it.
            foreignKeys: [
              new TableForeignKey({
                name: 'fk_workflow_steps_run',
                columnNames: ['run_id'],
                referencedTableName: 'workflow_runs',
                referencedColumnNames: ['id'],
                onDelete: 'CASCADE',
              }),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('workflow_steps'),
    },
  ],
});
