import {Table, TableForeignKey, TableIndex, defineMigration} from '@systemprompt/database/schema';

export default defineMigration({
  name: '20261128130000-create-auth',
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'auth_login_attempts',
            columns: [
              {name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment'},
              {name: 'email', type: 'varchar', length: '254'},
              {name: 'at', type: 'varchar', length: '32'},
              {name: 'result', type: 'varchar', length: '16'},
            ],
            indices: [new TableIndex({name: 'ix_auth_login_attempts_email', columnNames: ['email', 'at']})],
          }),
        ),
      down: (runner) => runner.dropTable('auth_login_attempts'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'auth_signing_keys',
            columns: [
              {name: 'kid', type: 'varchar', length: '64', isPrimary: true},
              {name: 'alg', type: 'varchar', length: '16'},
              {name: 'public_jwk', type: 'text'},
              {name: 'status', type: 'varchar', length: '16'},
              {name: 'created_at', type: 'varchar', length: '32'},
              {name: 'retired_at', type: 'varchar', length: '32', isNullable: true},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('auth_signing_keys'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'auth_mfa',
            columns: [
              {name: 'user_id', type: 'varchar', length: '36', isPrimary: true},
              {name: 'secret', type: 'text'},
              {name: 'status', type: 'varchar', length: '16'},
              {name: 'last_step', type: 'integer', isNullable: true},
              {name: 'created_at', type: 'varchar', length: '32'},
              {name: 'activated_at', type: 'varchar', length: '32', isNullable: true},
            ],
            // A deleted user's second factor goes with them.
            foreignKeys: [
              new TableForeignKey({
                name: 'fk_auth_mfa_user_id',
                columnNames: ['user_id'],
                referencedTableName: 'users',
                referencedColumnNames: ['id'],
                onDelete: 'CASCADE',
              }),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('auth_mfa'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'auth_providers',
            columns: [
              {name: 'name', type: 'varchar', length: '64', isPrimary: true},
              {name: 'issuer', type: 'varchar', length: '500'},
              {name: 'client_id', type: 'varchar', length: '255'},
              {name: 'client_secret', type: 'text', isNullable: true},
              {name: 'created_at', type: 'varchar', length: '32'},
              {name: 'updated_at', type: 'varchar', length: '32'},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('auth_providers'),
    },
  ],
});
