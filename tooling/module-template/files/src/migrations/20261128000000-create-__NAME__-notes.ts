import {Table, defineMigration} from '@systemprompt/database/schema';

// One DDL statement per step, each with its inverse: MySQL cannot roll DDL back in a transaction.
export default defineMigration({
  name: '20261128000000-create-__NAME__-notes',
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: '__SNAKE___notes',
            columns: [
              {name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment'},
              {name: 'text', type: 'varchar', length: '500'},
              {name: 'created_at', type: 'varchar', length: '32'},
            ],
          }),
        ),
      down: (runner) => runner.dropTable('__SNAKE___notes'),
    },
  ],
});
