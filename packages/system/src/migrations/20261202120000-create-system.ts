import {Table, defineMigration} from '@systemprompt/database/schema';

export default defineMigration({
  name: '20261202120000-create-system',
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'system_servers',
            columns: [
              {name: 'id', type: 'varchar', length: '36', isPrimary: true},
              {name: 'hostname', type: 'varchar', length: '255'},
              {name: 'pid', type: 'integer'},
              {name: 'url', type: 'varchar', length: '300'},
              {name: 'version', type: 'varchar', length: '40'},
              {name: 'state', type: 'varchar', length: '16'},
              {name: 'started_at', type: 'varchar', length: '32'},
              {name: 'last_beat_at', type: 'varchar', length: '32'},
              {name: 'interval_seconds', type: 'integer'},
              {name: 'rss_bytes', type: 'bigint', default: 0},
              {name: 'heap_used_bytes', type: 'bigint', default: 0},
              {name: 'cpu_percent', type: 'float', default: 0},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('system_servers'),
    },
  ],
});
