import {
  Table,
  TableColumn,
  TableForeignKey,
  TableIndex,
  defineMigration,
  type MigrationStep,
} from '@systemprompt/database/schema';

const providerColumn = (column: TableColumn): MigrationStep => ({
  up: (runner) => runner.addColumn('auth_providers', column),
  down: (runner) => runner.dropColumn('auth_providers', column.name),
});

/**
 * Sign-in through an identity provider (auth:login --provider): what a provider gives the users it
 * signs in (a default role for those it creates, roles by group), and `auth_identities`, the link
 * from a provider's subject to a local user.
 */
export default defineMigration({
  name: '20261204200000-oidc-federation',
  steps: [
    providerColumn(new TableColumn({name: 'default_role', type: 'varchar', length: '64', isNullable: true})),
    providerColumn(new TableColumn({name: 'groups_claim', type: 'varchar', length: '200', default: "'groups'"})),
    providerColumn(new TableColumn({name: 'group_roles', type: 'text', isNullable: true})),
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'auth_identities',
            columns: [
              {name: 'provider', type: 'varchar', length: '64', isPrimary: true},
              // OpenID Connect caps `sub` at 255 ASCII characters.
              {name: 'subject', type: 'varchar', length: '255', isPrimary: true},
              {name: 'user_id', type: 'varchar', length: '36'},
              {name: 'email', type: 'varchar', length: '254', isNullable: true},
              {name: 'created_at', type: 'varchar', length: '32'},
              {name: 'last_login_at', type: 'varchar', length: '32', isNullable: true},
            ],
            indices: [new TableIndex({name: 'ix_auth_identities_user_id', columnNames: ['user_id']})],
            // A deleted user's links go with them. A removed provider's are deleted by
            // ProviderService.remove: no foreign key to auth_providers, whose rows SQLite copies into a
            // new table whenever a later migration changes its columns (a cascade would empty this one).
            foreignKeys: [
              new TableForeignKey({
                name: 'fk_auth_identities_user_id',
                columnNames: ['user_id'],
                referencedTableName: 'users',
                referencedColumnNames: ['id'],
                onDelete: 'CASCADE',
              }),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('auth_identities'),
    },
  ],
});
