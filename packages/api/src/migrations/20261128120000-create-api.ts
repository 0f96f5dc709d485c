import {Table, TableForeignKey, TableIndex, defineMigration} from '@systemprompt/database/schema';

const cascade = (table: string, column: string, referenced: string) =>
  new TableForeignKey({
    name: `fk_${table}_${column}`,
    columnNames: [column],
    referencedTableName: referenced,
    referencedColumnNames: ['id'],
    onDelete: 'CASCADE',
  });

export default defineMigration({
  name: '20261128120000-create-api',
  steps: [
    {
      // Deleting a user deletes their keys (and, below, the keys' usage).
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'api_keys',
            columns: [
              {name: 'id', type: 'varchar', length: '36', isPrimary: true},
              {name: 'user_id', type: 'varchar', length: '36'},
              {name: 'name', type: 'varchar', length: '100'},
              {name: 'prefix', type: 'varchar', length: '12', isUnique: true},
              {name: 'key_hash', type: 'varchar', length: '64', isUnique: true},
              {name: 'scopes', type: 'text'},
              {name: 'created_at', type: 'varchar', length: '32'},
              {name: 'expires_at', type: 'varchar', length: '32', isNullable: true},
              {name: 'last_used_at', type: 'varchar', length: '32', isNullable: true},
              {name: 'revoked_at', type: 'varchar', length: '32', isNullable: true},
            ],
            foreignKeys: [cascade('api_keys', 'user_id', 'users')],
            indices: [new TableIndex({name: 'ix_api_keys_user', columnNames: ['user_id']})],
          }),
        ),
      down: (runner) => runner.dropTable('api_keys'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'api_usage',
            columns: [
              {name: 'key_id', type: 'varchar', length: '36', isPrimary: true},
              {name: 'endpoint', type: 'varchar', length: '200', isPrimary: true},
              {name: 'day', type: 'varchar', length: '10', isPrimary: true},
              {name: 'count', type: 'integer', default: 0},
            ],
            foreignKeys: [cascade('api_usage', 'key_id', 'api_keys')],
          }),
        ),
      down: (runner) => runner.dropTable('api_usage'),
    },
    {
      // No foreign key: the subject is a key id or a role name.
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'api_limits',
            columns: [
              {name: 'subject_kind', type: 'varchar', length: '8', isPrimary: true},
              {name: 'subject', type: 'varchar', length: '64', isPrimary: true},
              {name: 'requests_per_minute', type: 'integer'},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('api_limits'),
    },
  ],
});
