import {Table, TableIndex, defineMigration} from '@systemprompt/database/schema';

export default defineMigration({
  name: '20261202120000-create-api-rate-windows',
  steps: [
    {
      // The rate limit counters every server shares: accepted requests per key (or user) and minute.
      // No foreign key: the window key names a key or a user, and old windows are pruned anyway.
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'api_rate_windows',
            columns: [
              {name: 'window_key', type: 'varchar', length: '80', isPrimary: true},
              {name: 'window_minute', type: 'integer', isPrimary: true},
              {name: 'hits', type: 'integer'},
            ],
            // Pruning finds the old windows of every key by their minute.
            indices: [new TableIndex({name: 'ix_api_rate_windows_minute', columnNames: ['window_minute']})],
          }),
        ),
      down: (runner) => runner.dropTable('api_rate_windows'),
    },
  ],
});
