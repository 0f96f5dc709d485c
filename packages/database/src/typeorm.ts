/**
 * The TypeORM of this package: every value taken from TypeORM at run time comes through here, from
 * the bundle in dist/vendor (see vendor.ts), so a process holds one copy. Importing this loads it.
 * scripts/bundle-vendor.mjs bundles exactly these names: add a name there when you add it here.
 * The same bundle holds better-sqlite3's JavaScript, which TypeORM's driver is given (`driver`).
 */
import type * as TypeORM from 'typeorm';
import type {ConnectionMetadataBuilder as Builder} from 'typeorm/connection/ConnectionMetadataBuilder.js';
import type {EntityMetadataValidator as Validator} from 'typeorm/metadata-builder/EntityMetadataValidator.js';
import {loadVendored} from './vendor.js';

const typeorm = loadVendored<typeof TypeORM>('typeorm');

export const DataSource = typeorm.DataSource;
export type DataSource = TypeORM.DataSource;
// An interface of this package rather than an alias, so that a module's tsc names what
// `new EntitySchema(...)` makes through @systemprompt/database/schema, which the module can reach,
// and not through this package's own node_modules/typeorm (TS2883 in a module's declaration output).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeORM's own default type argument
export const EntitySchema: new <T = any>(options: TypeORM.EntitySchemaOptions<T>) => EntitySchema<T> =
  typeorm.EntitySchema;
// eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-empty-object-type -- TypeORM's own default type argument; the interface only names TypeORM's type
export interface EntitySchema<T = any> extends TypeORM.EntitySchema<T> {}
export const Table = typeorm.Table;
export type Table = TypeORM.Table;
export const TableColumn = typeorm.TableColumn;
export type TableColumn = TypeORM.TableColumn;
export const TableForeignKey = typeorm.TableForeignKey;
export type TableForeignKey = TypeORM.TableForeignKey;
export const TableIndex = typeorm.TableIndex;
export type TableIndex = TypeORM.TableIndex;
export const TableUnique = typeorm.TableUnique;
export type TableUnique = TypeORM.TableUnique;
// TypeORM's own metadata builder and validator (modules of its own, not in its index): a module's
// entities are built once, when it attaches, instead of every entity again (data-source.ts).
export const ConnectionMetadataBuilder = (typeorm as unknown as {ConnectionMetadataBuilder: typeof Builder})
  .ConnectionMetadataBuilder;
export const EntityMetadataValidator = (typeorm as unknown as {EntityMetadataValidator: typeof Validator})
  .EntityMetadataValidator;
/**
 * better-sqlite3's JavaScript, bundled with TypeORM (its compiled addon stays a file of its own);
 * only handed to TypeORM's driver, so it keeps no type here (nor makes one for the package's users).
 */
export const BetterSqlite3: unknown = (typeorm as unknown as {BetterSqlite3: unknown}).BetterSqlite3;
