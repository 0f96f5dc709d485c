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
            indices: [
              new TableIndex({name: 'ux_network_firewall_rules_position', columnNames: ['position'], isUnique: true}),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('network_firewall_rules'),
    },
    {
      // One row whose lock every change of the rules takes first: changes run one after another, each
      // reading the list as the previous one left it (positions stay 1..n, first match stays defined).
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'network_firewall_head',
            columns: [
              {name: 'id', type: 'integer', isPrimary: true},
              {name: 'version', type: 'bigint'},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('network_firewall_head'),
    },
    {
      up: (runner) => runner.query('INSERT INTO network_firewall_head (id, version) VALUES (1, 0)'),
      down: (runner) => runner.query('DELETE FROM network_firewall_head'),
    },
  ],
});
