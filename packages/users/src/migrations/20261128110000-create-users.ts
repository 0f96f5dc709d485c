import {Table, TableForeignKey, TableIndex, defineMigration} from '@systemprompt/database/schema';

const fk = (table: string, column: string, referenced: string, referencedColumn: string) =>
  new TableForeignKey({
    name: `fk_${table}_${column}`,
    columnNames: [column],
    referencedTableName: referenced,
    referencedColumnNames: [referencedColumn],
    onDelete: 'CASCADE',
  });

const BUILTIN_ROLES: Array<[string, string, string[]]> = [
  ['admin', 'Everything.', ['*']],
  [
    'operator',
    'Runs the system: reads everything, changes configuration and operations, not users or permissions.',
    [
      '*:read',
      'config:write',
      'database:read',
      'modules:*',
      'system:*',
      'scheduler:*',
      'workflows:*',
      'agents:*',
      'webhooks:*',
      'mcp:*',
      'monitor:*',
    ],
  ],
  ['viewer', 'Reads everything, changes nothing.', ['*:read']],
];

export default defineMigration({
  name: '20261128110000-create-users',
  // Reverting this drops the audit log: database:rollback refuses unless --module users is named.
  rollbackDestroys: ['users_audit'],
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'users',
            columns: [
              {name: 'id', type: 'varchar', length: '36', isPrimary: true},
              {name: 'email', type: 'varchar', length: '254', isUnique: true},
              {name: 'name', type: 'varchar', length: '200', isNullable: true},
              {name: 'status', type: 'varchar', length: '16'},
              {name: 'password_hash', type: 'varchar', length: '255', isNullable: true},
              {name: 'created_at', type: 'varchar', length: '32'},
              {name: 'updated_at', type: 'varchar', length: '32'},
              {name: 'last_login_at', type: 'varchar', length: '32', isNullable: true},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('users'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'users_roles',
            columns: [
              {name: 'name', type: 'varchar', length: '64', isPrimary: true},
              {name: 'description', type: 'varchar', length: '300'},
              {name: 'builtin', type: 'boolean', default: false},
              {name: 'created_at', type: 'varchar', length: '32'},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('users_roles'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'users_role_permissions',
            columns: [
              {name: 'role', type: 'varchar', length: '64', isPrimary: true},
              {name: 'permission', type: 'varchar', length: '130', isPrimary: true},
            ],
            foreignKeys: [fk('users_role_permissions', 'role', 'users_roles', 'name')],
          }),
        ),
      down: (runner) => runner.dropTable('users_role_permissions'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'users_memberships',
            columns: [
              {name: 'user_id', type: 'varchar', length: '36', isPrimary: true},
              {name: 'role', type: 'varchar', length: '64', isPrimary: true},
            ],
            foreignKeys: [
              fk('users_memberships', 'user_id', 'users', 'id'),
              fk('users_memberships', 'role', 'users_roles', 'name'),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('users_memberships'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'users_grants',
            columns: [
              {name: 'user_id', type: 'varchar', length: '36', isPrimary: true},
              {name: 'permission', type: 'varchar', length: '130', isPrimary: true},
            ],
            foreignKeys: [fk('users_grants', 'user_id', 'users', 'id')],
          }),
        ),
      down: (runner) => runner.dropTable('users_grants'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'users_sessions',
            columns: [
              {name: 'id', type: 'varchar', length: '36', isPrimary: true},
              {name: 'user_id', type: 'varchar', length: '36'},
              {name: 'token_hash', type: 'varchar', length: '64', isUnique: true},
              {name: 'label', type: 'varchar', length: '200', isNullable: true},
              {name: 'created_at', type: 'varchar', length: '32'},
              {name: 'expires_at', type: 'varchar', length: '32'},
              {name: 'last_used_at', type: 'varchar', length: '32', isNullable: true},
              {name: 'revoked_at', type: 'varchar', length: '32', isNullable: true},
            ],
            foreignKeys: [fk('users_sessions', 'user_id', 'users', 'id')],
            indices: [new TableIndex({name: 'ix_users_sessions_user', columnNames: ['user_id']})],
          }),
        ),
      down: (runner) => runner.dropTable('users_sessions'),
    },
    {
      // Append-only: no foreign keys, so deleting a user keeps what they did.
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'users_audit',
            columns: [
              {name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment'},
              {name: 'at', type: 'varchar', length: '32'},
              {name: 'actor_id', type: 'varchar', length: '64'},
              {name: 'actor', type: 'varchar', length: '254'},
              {name: 'action', type: 'varchar', length: '100'},
              {name: 'target', type: 'varchar', length: '254', isNullable: true},
              {name: 'result', type: 'varchar', length: '16'},
              {name: 'permission', type: 'varchar', length: '130', isNullable: true},
              {name: 'details', type: 'text', isNullable: true},
            ],
            indices: [
              new TableIndex({name: 'ix_users_audit_actor', columnNames: ['actor_id']}),
              new TableIndex({name: 'ix_users_audit_target', columnNames: ['target']}),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('users_audit'),
    },
    {
      up: async (runner) => {
        const now = new Date().toISOString();
        for (const [name, description, permissions] of BUILTIN_ROLES) {
          await runner.query('INSERT INTO users_roles (name, description, builtin, created_at) VALUES (?, ?, ?, ?)', [
            name,
            description,
            true,
            now,
          ]);
          for (const permission of permissions)
            await runner.query('INSERT INTO users_role_permissions (role, permission) VALUES (?, ?)', [
              name,
              permission,
            ]);
        }
      },
      down: async (runner) => {
        for (const [name] of BUILTIN_ROLES) {
          await runner.query('DELETE FROM users_role_permissions WHERE role = ?', [name]);
          await runner.query('DELETE FROM users_roles WHERE name = ?', [name]);
        }
      },
    },
  ],
});
