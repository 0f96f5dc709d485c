import {Table, defineMigration} from '@systemprompt/database/schema';

/**
 * One row per email that tried to sign in. Sign-in holds the email's row while it counts the failures
 * and takes its slot, so concurrent attempts are counted one after another (services/login.ts).
 */
export default defineMigration({
  name: '20261202130000-create-login-locks',
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'auth_login_locks',
            columns: [
              {name: 'email', type: 'varchar', length: '254', isPrimary: true},
              {name: 'updated_at', type: 'varchar', length: '32'},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('auth_login_locks'),
    },
  ],
});
