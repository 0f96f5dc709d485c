/**
 * What modules write migrations and entities with, from the one copy of TypeORM that the database
 * module uses. Importing this loads TypeORM; the module entry (`@systemprompt/database`) does not.
 */
export {defineMigration, MIGRATION_NAME, type Migration, type MigrationStep} from './migrations/migration.js';
export {dropIndexKeepingForeignKeys} from './migrations/drop-index.js';
export {EntitySchema, Table, TableColumn, TableForeignKey, TableIndex, TableUnique} from './typeorm.js';
export type {EntityManager, QueryRunner, Repository} from 'typeorm';
