import {TableColumn, defineMigration, type MigrationStep} from '@systemprompt/database/schema';
import {AUDIT_HEAD_TABLE, GENESIS_HASH} from '../services/audit-chain.js';

const column = (column: TableColumn): MigrationStep => ({
  up: (runner) => runner.addColumn(AUDIT_HEAD_TABLE, column),
  down: (runner) => runner.dropColumn(AUDIT_HEAD_TABLE, column.name),
});

/**
 * Where the chain begins once its oldest records were removed by the audit retention setting: the
 * position and hash of the last removed record (0 and the genesis hash while nothing was removed), so
 * verify starts there and a record removed from the middle still shows.
 */
export default defineMigration({
  name: '20261204170000-audit-chain-base',
  steps: [
    column(new TableColumn({name: 'base_seq', type: 'integer', default: 0})),
    column(new TableColumn({name: 'base_hash', type: 'varchar', length: '64', default: `'${GENESIS_HASH}'`})),
  ],
});
