import {TableIndex, defineMigration, type MigrationStep} from '@systemprompt/database/schema';

/** One index of users_audit (one DDL statement per step, so a failure reverts exactly). */
const index = (name: string, column: string): MigrationStep => ({
  up: (runner) => runner.createIndex('users_audit', new TableIndex({name, columnNames: [column]})),
  down: (runner) => runner.dropIndex('users_audit', name),
});

/**
 * Indexes for the lists of the audit log, which page in the database: permissions:audit counts the
 * records with a permission without reading the whole log, and users:activity USER finds a user's
 * records by their label too (actor_id and target have indexes already), so neither reads every row.
 */
export default defineMigration({
  name: '20261202150000-index-users-audit-lists',
  steps: [index('ix_users_audit_permission', 'permission'), index('ix_users_audit_actor_label', 'actor')],
});
