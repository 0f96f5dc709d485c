import {
  Table,
  TableForeignKey,
  TableIndex,
  defineMigration,
  dropIndexKeepingForeignKeys,
} from '@systemprompt/database/schema';

export default defineMigration({
  name: '20261128100100-create-config-providers',
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'config_providers',
            columns: [
              {name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment'},
              {name: 'name', type: 'varchar', length: '64', isUnique: true},
              {name: 'kind', type: 'varchar', length: '16'},
              {name: 'base_url', type: 'varchar', length: '500'},
              {name: 'api_key_env', type: 'varchar', length: '128', isNullable: true},
              {name: 'api_key_secret', type: 'text', isNullable: true},
              {name: 'created_at', type: 'varchar', length: '32'},
              {name: 'updated_at', type: 'varchar', length: '32'},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('config_providers'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'config_models',
            columns: [
              {name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment'},
              {name: 'provider_id', type: 'integer'},
              {name: 'name', type: 'varchar', length: '200'},
              {name: 'is_default', type: 'boolean', default: false},
              {name: 'created_at', type: 'varchar', length: '32'},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('config_models'),
    },
    {
      up: (runner) =>
        runner.createForeignKey(
          'config_models',
          new TableForeignKey({
            name: 'fk_config_models_provider',
            columnNames: ['provider_id'],
            referencedTableName: 'config_providers',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ),
      down: (runner) => runner.dropForeignKey('config_models', 'fk_config_models_provider'),
    },
    {
      up: (runner) =>
        runner.createIndex(
          'config_models',
          new TableIndex({
            name: 'uq_config_models_provider_name',
            columnNames: ['provider_id', 'name'],
            isUnique: true,
          }),
        ),
      // MySQL/MariaDB enforce the foreign key above with this index (it starts with provider_id) and
      // refuse a plain DROP INDEX.
      down: (runner) => dropIndexKeepingForeignKeys(runner, 'config_models', 'uq_config_models_provider_name'),
    },
  ],
});
