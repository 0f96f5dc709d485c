import type {QueryRunner} from 'typeorm';
import {quoteMysql as quote} from '../sql-identifiers.js';

interface IndexColumn {
  Key_name: string;
  Seq_in_index: number | string;
  Column_name: string;
}

/** Whether `leading` are the first columns of `columns`, in order: what MySQL needs of a foreign key's index. */
const leads = (leading: readonly string[], columns: readonly string[]) =>
  leading.every((column, position) => columns[position] === column);

/**
 * Drops an index, also where MySQL/MariaDB uses it for a foreign key. MySQL keeps an index on every
 * foreign key's columns; when a later index starts with them it drops the one it made and uses the
 * later one, and then refuses to drop that ("needed in a foreign key constraint"). Here the foreign
 * key gets back the plain index MySQL made for it (named after the constraint), in the same
 * statement that drops this one, so the table is as it was before the index was created. SQLite
 * needs no index for a foreign key: there it is a plain DROP INDEX.
 */
export async function dropIndexKeepingForeignKeys(
  runner: QueryRunner,
  tableName: string,
  indexName: string,
): Promise<void> {
  const engine = runner.dataSource.driver.options.type;
  if (engine !== 'mysql' && engine !== 'mariadb') {
    await runner.dropIndex(tableName, indexName);
    return;
  }
  const table = await runner.getTable(tableName);
  if (!table) throw new Error(`Table "${tableName}" does not exist`);
  // TypeORM leaves out of table.indices the index MySQL made for a foreign key; the server lists all.
  const rows = (await runner.query(`SHOW INDEX FROM ${quote(tableName)}`)) as IndexColumn[];
  const indexes = new Map<string, string[]>();
  for (const row of [...rows].sort((a, b) => Number(a.Seq_in_index) - Number(b.Seq_in_index))) {
    indexes.set(row.Key_name, [...(indexes.get(row.Key_name) ?? []), row.Column_name]);
  }
  const dropped = indexes.get(indexName);
  if (!dropped) throw new Error(`Index "${indexName}" does not exist on table "${tableName}"`);
  const others = [...indexes].filter(([name]) => name !== indexName).map(([, columns]) => columns);
  const needIndex = table.foreignKeys.filter(
    (foreignKey) =>
      leads(foreignKey.columnNames, dropped) && !others.some((columns) => leads(foreignKey.columnNames, columns)),
  );
  const changes = [
    ...needIndex.map(
      (foreignKey) => `ADD INDEX ${quote(foreignKey.name!)} (${foreignKey.columnNames.map(quote).join(', ')})`,
    ),
    `DROP INDEX ${quote(indexName)}`,
  ];
  await runner.query(`ALTER TABLE ${quote(tableName)} ${changes.join(', ')}`);
  // TypeORM caches the table per query runner; read it again so the next schema call sees this change.
  await runner.getTable(tableName);
}
