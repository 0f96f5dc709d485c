import {Table, TableIndex, defineMigration, type QueryRunner} from '@systemprompt/database/schema';

const column = (name: string, type: string, extra: Record<string, unknown> = {}) => ({name, type, ...extra});
const varchar = (name: string, length: number, nullable = false) =>
  column(name, 'varchar', {length: String(length), isNullable: nullable});
const millis = (name: string, nullable = false) => column(name, 'bigint', {isNullable: nullable});
const double = (name: string, nullable = false) => column(name, 'double', {isNullable: nullable});
// A snapshot can pass MySQL's TEXT (64 KiB) when rules match many series; MEDIUMTEXT holds 16 MiB.
const big = (runner: QueryRunner, name: string) =>
  column(name, ['mysql', 'mariadb'].includes(runner.connection.driver.options.type) ? 'mediumtext' : 'text');

/** Each step is one DDL statement: MySQL commits DDL at once, and the runner undoes applied steps in reverse. */
export default defineMigration({
  name: '20261204120000-create-monitor',
  rollbackDestroys: ['monitor_alert_rules', 'monitor_alerts'],
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'monitor_alert_rules',
            columns: [
              {...varchar('id', 32), isPrimary: true},
              varchar('name', 64),
              varchar('selector', 1000),
              varchar('function', 12),
              millis('window_ms', true),
              varchar('comparison', 8),
              double('threshold'),
              millis('for_ms'),
              varchar('severity', 12),
              varchar('description', 500, true),
              column('enabled', 'boolean'),
              column('version', 'integer'),
              millis('created_at'),
              millis('updated_at'),
              varchar('created_by', 320),
              double('last_value', true),
              varchar('last_state', 12, true),
              millis('evaluated_at', true),
            ],
            indices: [new TableIndex({name: 'ux_monitor_alert_rules_name', columnNames: ['name'], isUnique: true})],
          }),
        ),
      down: (runner) => runner.dropTable('monitor_alert_rules'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'monitor_alerts',
            columns: [
              {...varchar('id', 32), isPrimary: true},
              varchar('rule_id', 32),
              varchar('rule_name', 64),
              varchar('state', 12),
              varchar('open_key', 32, true),
              varchar('severity', 12),
              varchar('selector', 1000),
              varchar('function', 12),
              millis('window_ms', true),
              varchar('comparison', 8),
              double('threshold'),
              double('value'),
              double('last_value'),
              millis('fired_at'),
              millis('acked_at', true),
              varchar('acked_by', 320, true),
              millis('resolved_at', true),
              varchar('resolution', 200, true),
              millis('updated_at'),
            ],
            indices: [
              // One open (firing or acked) alert per rule, whichever server evaluates: NULLs do not collide.
              new TableIndex({name: 'ux_monitor_alerts_open', columnNames: ['open_key'], isUnique: true}),
              new TableIndex({name: 'ix_monitor_alerts_state', columnNames: ['state', 'fired_at']}),
              new TableIndex({name: 'ix_monitor_alerts_rule', columnNames: ['rule_id', 'fired_at']}),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('monitor_alerts'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'monitor_snapshots',
            columns: [{...varchar('server_id', 100), isPrimary: true}, millis('taken_at'), big(runner, 'samples')],
          }),
        ),
      down: (runner) => runner.dropTable('monitor_snapshots'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'monitor_evaluator',
            columns: [{...varchar('id', 32), isPrimary: true}, varchar('owner', 100), millis('expires_at')],
          }),
        ),
      down: (runner) => runner.dropTable('monitor_evaluator'),
    },
  ],
});
