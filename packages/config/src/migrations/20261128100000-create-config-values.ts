import {Table, TableIndex, defineMigration} from '@systemprompt/database/schema';

export default defineMigration({
  name: '20261128100000-create-config-values',
  steps: [
    {
      // Runtime settings: the current value of each key set with config:set (secrets encrypted).
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'config_values',
            columns: [
              {name: 'module', type: 'varchar', length: '64', isPrimary: true},
              {name: 'config_key', type: 'varchar', length: '200', isPrimary: true},
              {name: 'value_json', type: 'text'},
              {name: 'updated_at', type: 'varchar', length: '32'},
              {name: 'updated_by', type: 'varchar', length: '200'},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('config_values'),
    },
    {
      // Every change, append-only: its id is the configuration version.
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'config_history',
            columns: [
              {name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment'},
              {name: 'module', type: 'varchar', length: '64'},
              {name: 'config_key', type: 'varchar', length: '200'},
              {name: 'old_value_json', type: 'text', isNullable: true},
              {name: 'new_value_json', type: 'text', isNullable: true},
              {name: 'action', type: 'varchar', length: '16'},
              {name: 'actor', type: 'varchar', length: '200'},
              {name: 'changed_at', type: 'varchar', length: '32'},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('config_history'),
    },
    {
      up: (runner) =>
        runner.createIndex(
          'config_history',
          new TableIndex({name: 'ix_config_history_key', columnNames: ['module', 'config_key']}),
        ),
      down: (runner) => runner.dropIndex('config_history', 'ix_config_history_key'),
    },
  ],
});
