import {defineMigration} from '../migrations/migration.js';
import {Table, TableIndex} from '../typeorm.js';

/**
 * The event store (see services/event-store.ts). Ids only grow: on SQLite AUTOINCREMENT never hands
 * out an id again once committed; on MySQL a bigint. MEDIUMTEXT on MySQL holds the largest payload
 * (64 KiB of UTF-8), which TEXT (65,535 bytes) does not.
 */
export default defineMigration({
  name: '20261210000000-create-events',
  // Reverting this drops every stored event: database:rollback refuses unless --module database is named.
  rollbackDestroys: ['events'],
  steps: [
    {
      up: (runner) => {
        const mysql = runner.connection.driver.options.type === 'mysql';
        return runner.createTable(
          new Table({
            name: 'events',
            columns: [
              {
                name: 'id',
                type: mysql ? 'bigint' : 'integer',
                isPrimary: true,
                isGenerated: true,
                generationStrategy: 'increment',
              },
              {name: 'type', type: 'varchar', length: '128'},
              {name: 'source', type: 'varchar', length: '64'},
              {name: 'actor', type: 'varchar', length: '254', isNullable: true},
              {name: 'subject', type: 'varchar', length: '254', isNullable: true},
              {name: 'payload', type: mysql ? 'mediumtext' : 'text'},
              {name: 'occurred_at', type: 'varchar', length: '32'},
            ],
            indices: [
              new TableIndex({name: 'ix_events_type_id', columnNames: ['type', 'id']}),
              new TableIndex({name: 'ix_events_occurred_at', columnNames: ['occurred_at']}),
            ],
          }),
        );
      },
      down: (runner) => runner.dropTable('events'),
    },
  ],
});
