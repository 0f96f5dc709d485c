import {Table, TableIndex, defineMigration} from '@systemprompt/database/schema';

/** One DDL statement a step: MySQL commits DDL at once, and the runner undoes applied steps in reverse. */
export default defineMigration({
  name: '20261204210000-create-oauth',
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'oauth_records',
            columns: [
              {name: 'model', type: 'varchar', length: '40', isPrimary: true},
              {name: 'id', type: 'varchar', length: '255', isPrimary: true},
              {name: 'payload', type: 'text'},
              {name: 'grant_id', type: 'varchar', length: '255', isNullable: true},
              {name: 'uid', type: 'varchar', length: '255', isNullable: true},
              {name: 'user_code', type: 'varchar', length: '64', isNullable: true},
              {name: 'account_id', type: 'varchar', length: '64', isNullable: true},
              {name: 'client_id', type: 'varchar', length: '255', isNullable: true},
              {name: 'expires_at', type: 'bigint', isNullable: true},
              {name: 'consumed_at', type: 'bigint', isNullable: true},
              {name: 'created_at', type: 'bigint'},
            ],
            indices: [
              // revokeByGrantId, and a user's grants (auth:grants).
              new TableIndex({name: 'ix_oauth_records_grant', columnNames: ['grant_id']}),
              new TableIndex({name: 'ix_oauth_records_uid', columnNames: ['uid']}),
              new TableIndex({name: 'ix_oauth_records_account', columnNames: ['model', 'account_id']}),
              new TableIndex({name: 'ix_oauth_records_expiry', columnNames: ['expires_at']}),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('oauth_records'),
    },
  ],
});
