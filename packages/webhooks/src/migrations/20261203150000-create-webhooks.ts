import {Table, TableForeignKey, TableIndex, defineMigration, type QueryRunner} from '@systemprompt/database/schema';

const column = (name: string, type: string, extra: Record<string, unknown> = {}) => ({name, type, ...extra});
const varchar = (name: string, length: number, nullable = false) =>
  column(name, 'varchar', {length: String(length), isNullable: nullable});
const millis = (name: string, nullable = false) => column(name, 'bigint', {isNullable: nullable});
// Payloads can pass MySQL's TEXT (64 KiB); MEDIUMTEXT holds 16 MiB. SQLite has one TEXT.
const big = (runner: QueryRunner, name: string) =>
  column(name, ['mysql', 'mariadb'].includes(runner.connection.driver.options.type) ? 'mediumtext' : 'text');

/** Each step is one DDL statement: MySQL commits DDL at once, and the runner undoes applied steps in reverse. */
export default defineMigration({
  name: '20261203150000-create-webhooks',
  rollbackDestroys: ['webhook_endpoints', 'webhook_deliveries', 'webhook_attempts', 'webhook_state'],
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'webhook_endpoints',
            columns: [
              {...varchar('id', 32), isPrimary: true},
              varchar('url', 2000),
              varchar('description', 500, true),
              column('events', 'text'),
              column('secret', 'text'),
              column('previous_secret', 'text', {isNullable: true}),
              millis('previous_expires_at', true),
              column('enabled', 'boolean'),
              varchar('disabled_reason', 500, true),
              column('failures', 'integer'),
              column('from_event_id', 'bigint'),
              column('version', 'integer'),
              millis('created_at'),
              millis('updated_at'),
              varchar('created_by', 320),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('webhook_endpoints'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'webhook_deliveries',
            columns: [
              {...varchar('id', 32), isPrimary: true},
              varchar('endpoint_id', 32),
              column('event_id', 'bigint', {isNullable: true}),
              varchar('event_type', 200),
              big(runner, 'payload'),
              varchar('status', 12),
              column('attempts', 'integer'),
              millis('next_attempt_at', true),
              column('last_status', 'integer', {isNullable: true}),
              column('last_error', 'text', {isNullable: true}),
              varchar('job_id', 32, true),
              millis('created_at'),
              millis('updated_at'),
            ],
            indices: [
              // An event is delivered to an endpoint once, however often the dispatcher reads it.
              new TableIndex({
                name: 'ux_webhook_deliveries_event',
                columnNames: ['endpoint_id', 'event_id'],
                isUnique: true,
              }),
              new TableIndex({name: 'ix_webhook_deliveries_created', columnNames: ['endpoint_id', 'created_at']}),
            ],
            foreignKeys: [
              new TableForeignKey({
                name: 'fk_webhook_deliveries_endpoint',
                columnNames: ['endpoint_id'],
                referencedTableName: 'webhook_endpoints',
                referencedColumnNames: ['id'],
                onDelete: 'CASCADE',
              }),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('webhook_deliveries'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'webhook_attempts',
            columns: [
              {...varchar('delivery_id', 32), isPrimary: true},
              {...column('attempt', 'integer'), isPrimary: true},
              column('at', 'bigint'),
              column('status', 'integer', {isNullable: true}),
              column('duration_ms', 'integer'),
              column('error', 'text', {isNullable: true}),
              column('response_head', 'text', {isNullable: true}),
              column('request', 'text'),
            ],
            foreignKeys: [
              new TableForeignKey({
                name: 'fk_webhook_attempts_delivery',
                columnNames: ['delivery_id'],
                referencedTableName: 'webhook_deliveries',
                referencedColumnNames: ['id'],
                onDelete: 'CASCADE',
              }),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('webhook_attempts'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'webhook_state',
            columns: [{...varchar('name', 64), isPrimary: true}, column('value', 'bigint')],
          }),
        ),
      down: (runner) => runner.dropTable('webhook_state'),
    },
  ],
});
