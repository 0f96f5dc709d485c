#!/usr/bin/env node
// Bundles TypeORM and mysql2 into dist/vendor/ (one CommonJS file each, loaded by src/vendor.ts),
// then runs a warm-up in a fresh process and saves the V8 code cache of each bundle next to it.
// Why (bench/README.md has the figures): TypeORM is ~300 CommonJS files, and Node resolves, reads,
// wraps and compiles each; one file with a code cache loads in a fifth of the time.
//
// - TypeORM: only the names src/typeorm.ts exports, from their own modules (its index loads every
//   decorator, repository and driver). Drivers of databases this package does not run on (postgres,
//   oracle, sap, mongodb...) are replaced by a class that throws when constructed: TypeORM's
//   DriverFactory requires them all, but only the configured one is ever constructed.
// - mysql2: its callback API (what TypeORM's MysqlDriver loads) and its promise API, in one file;
//   loaded only for mysql:// URLs.
// - better-sqlite3: its JavaScript is bundled with TypeORM; its compiled addon (better_sqlite3.node)
//   is loaded by path (data-source.ts), so the `bindings` package that would look for it stays out.
//
// Usage (from the package directory, after tsc): node scripts/bundle-vendor.mjs
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const vendor = join(root, 'dist/vendor');
const requireHere = createRequire(join(root, 'package.json'));
const typeormRoot = dirname(requireHere.resolve('typeorm'));

/** Where each name of src/typeorm.ts lives inside TypeORM. */
const TYPEORM_MODULES = {
  DataSource: 'data-source/DataSource.js',
  EntitySchema: 'entity-schema/EntitySchema.js',
  Table: 'schema-builder/table/Table.js',
  TableColumn: 'schema-builder/table/TableColumn.js',
  TableForeignKey: 'schema-builder/table/TableForeignKey.js',
  TableIndex: 'schema-builder/table/TableIndex.js',
  TableUnique: 'schema-builder/table/TableUnique.js',
  ConnectionMetadataBuilder: 'connection/ConnectionMetadataBuilder.js',
  EntityMetadataValidator: 'metadata-builder/EntityMetadataValidator.js',
};

/** Driver classes of the engines SystemPrompt OS does not run on. */
const UNUSED_DRIVER =
  /[\\/]driver[\\/](aurora-mysql|aurora-postgres|capacitor|cockroachdb|cordova|expo|mongodb|nativescript|oracle|postgres|react-native|sap|spanner|sqljs|sqlserver)[\\/]\w+(Driver|QueryRunner)\.js$/;

// Database clients TypeORM may require by name, none bundled (mysql2 is handed its own bundle at run time),
// and better-sqlite3's addon finder, never called since the addon is named (data-source.ts).
const CLIENTS = [
  'bindings',
  'mysql2',
  'mysql',
  'pg',
  'pg-native',
  'pg-query-stream',
  'oracledb',
  'mongodb',
  'mssql',
  '@sap/hana-client',
  'hdb-pool',
  'sql.js',
  'sqlite3',
  'redis',
  'ioredis',
  'react-native-sqlite-storage',
  '@google-cloud/spanner',
  'typeorm-aurora-data-api-driver',
];

function checkTypeormNames() {
  const source = readFileSync(join(root, 'src/typeorm.ts'), 'utf8');
  const used = [...source.matchAll(/\}\)\.(\w+);|typeorm\.(\w+)/g)]
    .map((match) => match[1] ?? match[2])
    .filter((name) => name !== 'BetterSqlite3');
  const missing = used.filter((name) => !(name in TYPEORM_MODULES));
  if (missing.length > 0)
    throw new Error(
      `src/typeorm.ts exports ${missing.join(', ')}: add ${missing.length === 1 ? 'it' : 'them'} to TYPEORM_MODULES in scripts/bundle-vendor.mjs`,
    );
}

const stubUnusedDrivers = {
  name: 'stub-unused-drivers',
  setup(builder) {
    builder.onLoad({filter: UNUSED_DRIVER}, (args) => {
      const file = args.path.split(/[\\/]/).pop();
      return {
        loader: 'js',
        contents: `class Unsupported { constructor() { throw new Error(${JSON.stringify(`${file} is not bundled: SystemPrompt OS runs on SQLite and MySQL/MariaDB`)}); } }
module.exports = new Proxy({}, {get: (_, key) => (key === '__esModule' ? true : Unsupported)});`,
      };
    });
  },
};

async function bundle(name, contents, plugins = []) {
  const result = await build({
    stdin: {contents, resolveDir: root, sourcefile: `${name}-entry.cjs`, loader: 'js'},
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: CLIENTS.filter((client) => client !== name),
    plugins,
    write: false,
    // Smaller to read, with names kept for stack traces (full minifying made loading slower).
    minifyWhitespace: true,
    charset: 'ascii',
    legalComments: 'eof',
    logLevel: 'warning',
  });
  // ASCII only, so the loader can read it as latin1 (half the time of utf8): esbuild leaves a few
  // characters of regular expressions and comments as they were; \uXXXX means the same there.
  const code = result.outputFiles[0].text.replace(
    /[\u0080-\uffff]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  // V8 checks only the length of the source a code cache was made from: the loader compares this hash.
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 32);
  writeFileSync(join(vendor, `${name}.cjs`), `${code}//# bundle-hash=${hash}\n`);
}

async function main() {
  checkTypeormNames();
  rmSync(vendor, {recursive: true, force: true});
  mkdirSync(vendor, {recursive: true});
  const typeormEntry = [
    // The index loads it first; decorators and reflection-based code expect it.
    `require(${JSON.stringify(requireHere.resolve('reflect-metadata', {paths: [typeormRoot]}))});`,
    ...Object.entries(TYPEORM_MODULES).map(
      ([name, path]) => `exports.${name} = require(${JSON.stringify(join(typeormRoot, path))}).${name};`,
    ),
    // Handed to TypeORM's driver as \`driver\` (data-source.ts), with the addon's path.
    'exports.BetterSqlite3 = require("better-sqlite3");',
  ].join('\n');
  await bundle('typeorm', typeormEntry, [stubUnusedDrivers]);
  await bundle('mysql2', `exports.callback = require('mysql2');\nexports.promise = require('mysql2/promise');\n`);
  // A fresh process, so that the cache holds what a command compiles and nothing of the build.
  const warm = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--warm-up'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (warm.status !== 0) throw new Error(`the warm-up run failed (exit ${warm.status})`);
}

/**
 * Runs what a database command runs (open, migrate, attach entities, read and write through
 * repositories and query builders, a transaction) on a temporary SQLite file, then saves the code caches.
 */
async function warmUp() {
  const {mkdtempSync} = await import('node:fs');
  const {tmpdir} = await import('node:os');
  const {silentLogger} = await import('@systemprompt/core');
  const {DatabaseService} = await import('../dist/services/database-service.js');
  const {EntitySchema, Table, TableForeignKey, TableIndex, defineMigration} = await import('../dist/schema.js');
  const {loadVendored, saveCodeCaches} = await import('../dist/vendor.js');
  loadVendored('mysql2');
  const directory = mkdtempSync(join(tmpdir(), 'systemprompt-vendor-warm-'));
  try {
    const service = new DatabaseService(
      {
        target: {engine: 'sqlite', file: join(directory, 'warm.sqlite')},
        poolSize: 1,
        busyTimeoutMs: 5000,
        connectTimeoutMs: 5000,
        queryTimeoutMs: 10000,
      },
      silentLogger,
    );
    const migration = defineMigration({
      name: '20260101000000-create-warm',
      steps: [
        {
          up: (runner) =>
            runner.createTable(
              new Table({
                name: 'warm_parents',
                columns: [
                  {name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment'},
                  {name: 'name', type: 'varchar', length: '64'},
                ],
              }),
            ),
          down: (runner) => runner.dropTable('warm_parents'),
        },
        {
          up: (runner) =>
            runner.createTable(
              new Table({
                name: 'warm_items',
                columns: [
                  {name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment'},
                  {name: 'parent_id', type: 'integer', isNullable: true},
                  {name: 'label', type: 'varchar', length: '100'},
                  {name: 'created_at', type: 'varchar', length: '32'},
                ],
                indices: [new TableIndex({name: 'ix_warm_items_label', columnNames: ['label'], isUnique: true})],
                foreignKeys: [
                  new TableForeignKey({
                    columnNames: ['parent_id'],
                    referencedTableName: 'warm_parents',
                    referencedColumnNames: ['id'],
                    onDelete: 'CASCADE',
                  }),
                ],
              }),
            ),
          down: (runner) => runner.dropTable('warm_items'),
        },
      ],
    });
    const runner = await service.runner();
    await runner.migrate([{module: 'warm', ...migration}]);
    const Item = new EntitySchema({
      name: 'WarmItem',
      tableName: 'warm_items',
      columns: {
        id: {type: 'integer', primary: true, generated: 'increment'},
        parentId: {type: 'integer', name: 'parent_id', nullable: true},
        label: {type: 'varchar', length: 100},
        createdAt: {type: 'varchar', length: 32, name: 'created_at'},
      },
    });
    const db = await service.forModule({name: 'warm', root: directory, manifest: {name: 'warm'}}, [Item]);
    const items = db.repository(Item);
    await db.transaction(async (manager) => {
      await manager.getRepository(Item).insert({label: 'first', createdAt: new Date(0).toISOString()});
      await manager.getRepository(Item).save({label: 'second', createdAt: new Date(0).toISOString()});
    });
    await items.find({where: {label: 'first'}, order: {id: 'DESC'}, take: 20, skip: 0});
    await items.findOne({where: {id: 1}});
    await items.count();
    await items.update({id: 1}, {label: 'renamed'});
    await items
      .createQueryBuilder('item')
      .where('item.label LIKE :label', {label: '%e%'})
      .orderBy('item.id', 'ASC')
      .limit(20)
      .offset(0)
      .getManyAndCount();
    await items.delete({id: 2});
    await (await service.dataSource()).query('SELECT COUNT(*) AS n FROM warm_items');
    await service.close();
    saveCodeCaches();
  } finally {
    rmSync(directory, {recursive: true, force: true});
  }
}

if (process.argv[2] === '--warm-up') await warmUp();
else await main();
