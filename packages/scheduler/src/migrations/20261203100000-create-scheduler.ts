import {Table, TableForeignKey, TableIndex, defineMigration} from '@systemprompt/database/schema';

const column = (name: string, type: string, extra: Record<string, unknown> = {}) => ({name, type, ...extra});
const varchar = (name: string, length: number, nullable = false) =>
  column(name, 'varchar', {length: String(length), isNullable: nullable});
const millis = (name: string, nullable = false) => column(name, 'bigint', {isNullable: nullable});

// One DDL statement per step: MariaDB commits each, so a failed step is undone by the runner alone.
export default defineMigration({
  name: '20261203100000-create-scheduler',
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'scheduler_schedules',
            columns: [
              {...varchar('id', 36), isPrimary: true},
              varchar('name', 64),
              varchar('description', 500, true),
              varchar('cron', 200, true),
              varchar('tz', 64),
              millis('at', true),
              varchar('target_kind', 16),
              column('target', 'text'),
              varchar('missed', 16),
              column('paused', 'boolean'),
              column('owner', 'text'),
              varchar('owner_label', 320),
              millis('next_run_at', true),
              millis('last_tick_at', true),
              varchar('last_status', 12, true),
              millis('finished_at', true),
              millis('created_at'),
              millis('updated_at'),
              varchar('updated_by', 320),
            ],
            indices: [
              new TableIndex({name: 'ux_scheduler_schedules_name', columnNames: ['name'], isUnique: true}),
              // What every planner asks several times a second: the schedules due by now.
              new TableIndex({name: 'ix_scheduler_schedules_due', columnNames: ['next_run_at']}),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('scheduler_schedules'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'scheduler_ticks',
            columns: [
              // The primary key is the claim: whichever server inserts (schedule, tick time) first fires it.
              {...varchar('schedule_id', 36), isPrimary: true},
              {...millis('tick_at'), isPrimary: true},
              column('manual', 'boolean'),
              varchar('job_id', 26, true),
              varchar('status', 12),
              varchar('claimed_by', 64),
              varchar('requested_by', 320, true),
              millis('started_at', true),
              millis('finished_at', true),
              column('exit_code', 'integer', {isNullable: true}),
              varchar('reference', 200, true),
              column('error', 'text', {isNullable: true}),
              column('output', 'text', {isNullable: true}),
            ],
            indices: [
              // Unfinished ticks (to reconcile with their jobs) and old finished ones (to prune).
              new TableIndex({name: 'ix_scheduler_ticks_status', columnNames: ['status', 'tick_at']}),
            ],
            foreignKeys: [
              new TableForeignKey({
                name: 'fk_scheduler_ticks_schedule',
                columnNames: ['schedule_id'],
                referencedTableName: 'scheduler_schedules',
                referencedColumnNames: ['id'],
                onDelete: 'CASCADE',
              }),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('scheduler_ticks'),
    },
  ],
});
