import {Table, TableIndex, defineMigration} from '@systemprompt/database/schema';

/** One DDL statement: MySQL commits DDL at once, and the runner undoes applied steps in reverse. */
export default defineMigration({
  name: '20261204170000-create-network',
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'network_firewall_rules',
            columns: [
              {name: 'id', type: 'varchar', length: '32', isPrimary: true},
              {name: 'position', type: 'integer'},
              {name: 'action', type: 'varchar', length: '8'},
              {name: 'cidr', type: 'varchar', length: '64'},
              {name: 'comment', type: 'varchar', length: '200', isNullable: true},
              {name: 'created_at', type: 'bigint'},
              {name: 'created_by', type: 'varchar', length: '320'},
            ],
            indices: [new TableIndex({name: 'ix_network_firewall_rules_position', columnNames: ['position']})],
          }),
        ),
      down: (runner) => runner.dropTable('network_firewall_rules'),
    },
  ],
});
