import {randomBytes} from 'node:crypto';
import {mkdir, rename, rm, cp, stat} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import semver from 'semver';
import {
  conflict,
  ensurePrivateDirectory,
  invalidInput,
  liveServer,
  LOCAL_ONLY_ACCESS,
  type AccessProvider,
  type Actor,
  type ConfirmStep,
  type SystemPaths,
} from '@systemprompt/core';
import type {ModuleRecord} from '@systemprompt/core/kernel';
import {DATABASE_PERMISSIONS, type DatabaseService} from '../database-service.js';
import {migrationSources} from '../sources.js';
import {readArchive, stageConfig, writeArchive} from './archive.js';
import {
  liveSqlite,
  mysqlConnection,
  mysqlDigests,
  endConnection,
  snapshotMysql,
  snapshotSqlite,
  sqliteDigests,
} from './engines.js';
import type {TableDigest} from './engines.js';
import {CONFIG_PREFIX, HOST_ONLY_CONFIG, type BackupManifest} from './format.js';
import {restoreMysql, restoreSqlite, type Progress} from './restore.js';
import {driftFindings, foreignKeyFindings, type ValidationFinding} from './validate.js';
import type {MysqlTarget} from '../../connection.js';

export interface BackupResult {
  file: string;
  kind: 'data' | 'system';
  engine: 'sqlite' | 'mysql';
  method: BackupManifest['method'];
  encrypted: boolean;
  bytes: number;
  tables: number;
  rows: number;
  members: number;
  modules: number;
  migrations: number;
}

export interface RestoreResult {
  file: string;
  kind: 'data' | 'system';
  engine: 'sqlite' | 'mysql';
  createdAt: string;
  tables: number;
  rows: number;
  /** Whether the configuration directory was restored too (system:restore). */
  config: boolean;
  dryRun: boolean;
  status: 'restored' | 'verified';
}

export interface ValidationReport {
  engine: 'sqlite' | 'mysql';
  valid: boolean;
  checked: string[];
  findings: ValidationFinding[];
  /** Migrations of installed modules not applied yet (applied when their module next boots). */
  pendingMigrations: string[];
}

export interface BackupOptions {
  output: string;
  passphrase?: string;
  kind?: 'data' | 'system';
  progress?: Progress;
}

export interface RestoreOptions {
  passphrase?: string;
  kind?: 'data' | 'system';
  dryRun?: boolean;
  confirm?: ConfirmStep;
  progress?: Progress;
}

const sum = (tables: readonly {rows: number}[]) => tables.reduce((total, table) => total + table.rows, 0);

/**
 * Backups of one installation: a consistent snapshot of the database, the configuration directory,
 * the module versions and applied migrations in one checksummed (optionally encrypted) archive;
 * restores that verify all of it first and replace the live data atomically; and data:validate.
 * Each method checks the actor's permission first and audits what it changed.
 */
export class BackupService {
  constructor(
    private readonly database: DatabaseService,
    private readonly paths: SystemPaths,
    private readonly access: () => Promise<AccessProvider> = async () => LOCAL_ONLY_ACCESS,
  ) {}

  /** Needs database:query (a backup holds every table, password hashes included). */
  async backup(actor: Actor, modules: readonly ModuleRecord[], options: BackupOptions): Promise<BackupResult> {
    const access = await this.access();
    const kind = options.kind ?? 'data';
    await access.authorize(actor, DATABASE_PERMISSIONS.query, `${kind === 'system' ? 'system' : 'database'}.backup`);
    const progress = options.progress ?? (() => {});
    const staging = await this.stagingDirectory();
    try {
      progress('Taking a consistent snapshot of the database');
      const tables =
        this.database.engine === 'sqlite'
          ? await snapshotSqlite(this.database, staging)
          : await snapshotMysql(this.database, staging);
      progress('Adding the configuration');
      await stageConfig(this.paths.config, staging);
      const runner = await this.database.runner();
      const manifest = await writeArchive(
        staging,
        {
          format: 'systemprompt-backup',
          formatVersion: 1,
          kind,
          createdAt: new Date().toISOString(),
          engine: this.database.engine,
          method: this.database.engine === 'sqlite' ? 'sqlite-online-backup' : 'mysql-consistent-snapshot',
          encryption: options.passphrase ? {cipher: 'aes-256-gcm', kdf: 'scrypt'} : null,
          modules: modules
            .filter((record) => !record.error)
            .map((record) => ({name: record.name, version: record.version}))
            .sort((a, b) => a.name.localeCompare(b.name)),
          migrations: (await runner.applied()).map((row) => ({module: row.module, name: row.name})),
          tables,
        },
        options.output,
        options.passphrase,
      );
      const result: BackupResult = {
        file: options.output,
        kind,
        engine: manifest.engine,
        method: manifest.method,
        encrypted: manifest.encryption !== null,
        bytes: (await stat(options.output)).size,
        tables: tables.length,
        rows: sum(tables),
        members: manifest.members.length,
        modules: manifest.modules.length,
        migrations: manifest.migrations.length,
      };
      await this.audit(
        access,
        actor,
        `${kind === 'system' ? 'system' : 'database'}.backup`,
        'ok',
        DATABASE_PERMISSIONS.query,
        {
          file: options.output,
          tables: result.tables,
          rows: result.rows,
          encrypted: result.encrypted,
        },
      );
      return result;
    } finally {
      await rm(staging, {recursive: true, force: true});
    }
  }

  /**
   * Restores a backup (database:write): the whole archive is verified first (checksums, manifest,
   * engine, module versions and migrations against those installed); nothing changes on a refusal.
   * Refused while this installation's server runs: it holds the database open and keeps state of it.
   */
  async restore(
    actor: Actor,
    modules: readonly ModuleRecord[],
    file: string,
    options: RestoreOptions = {},
  ): Promise<RestoreResult> {
    const access = await this.access();
    const kind = options.kind ?? 'data';
    const action = `${kind === 'system' ? 'system' : 'database'}.restore`;
    await access.authorize(actor, DATABASE_PERMISSIONS.write, action, file);
    const progress = options.progress ?? (() => {});
    const staging = await this.stagingDirectory();
    try {
      progress('Verifying the archive');
      const manifest = await readArchive(file, options.passphrase, staging);
      await this.checkCompatible(manifest, modules);
      const result: RestoreResult = {
        file,
        kind,
        engine: manifest.engine,
        createdAt: manifest.createdAt,
        tables: manifest.tables.length,
        rows: sum(manifest.tables),
        config: kind === 'system',
        dryRun: Boolean(options.dryRun),
        status: 'verified',
      };
      if (options.dryRun) return result;
      const server = liveServer(this.paths.data);
      if (server)
        throw conflict(
          `The server of this installation runs (pid ${server.pid}); a restore would replace its database under it`,
          {
            code: 'BACKUP_SERVER_RUNNING',
            details: {pid: server.pid},
            hint: 'Stop it with system:stop, restore, then start it again.',
          },
        );
      await options.confirm?.(
        `Replace ${kind === 'system' ? 'the database and the configuration' : 'every table of the database'} with the backup of ${manifest.createdAt} (${result.tables} tables, ${result.rows} rows)?`,
      );
      try {
        if (manifest.engine === 'sqlite') await restoreSqlite(this.database, staging, manifest, progress);
        else await restoreMysql(this.database, staging, manifest, progress);
        if (kind === 'system') await this.restoreConfig(staging, progress);
      } catch (error) {
        await this.audit(access, actor, action, 'failed', DATABASE_PERMISSIONS.write, {
          file,
          error: (error as Error).message,
        });
        throw error;
      }
      await this.audit(access, actor, action, 'ok', DATABASE_PERMISSIONS.write, {
        file,
        createdAt: manifest.createdAt,
        tables: result.tables,
        rows: result.rows,
      });
      return {...result, status: 'restored'};
    } finally {
      await rm(staging, {recursive: true, force: true});
    }
  }

  /** Foreign keys and orphans, migrations and schema drift, and with `backup` its checksums (database:read). */
  async validate(
    actor: Actor,
    modules: readonly ModuleRecord[],
    options: {backup?: string; passphrase?: string} = {},
  ): Promise<ValidationReport> {
    await (await this.access()).authorize(actor, DATABASE_PERMISSIONS.read, 'database.validate');
    const findings: ValidationFinding[] = [];
    const checked = ['foreign keys', 'migrations', 'schema drift'];
    findings.push(...(await foreignKeyFindings(this.database)));
    const known = await this.database.migrationsOf(migrationSources(modules));
    const knownKeys = new Set(known.map((migration) => `${migration.module}/${migration.name}`));
    const applied = await (await this.database.runner()).applied();
    const appliedKeys = new Set(applied.map((row) => `${row.module}/${row.name}`));
    for (const row of applied)
      if (!knownKeys.has(`${row.module}/${row.name}`))
        findings.push({
          kind: 'unknown-migration',
          table: null,
          detail: `migration ${row.module}/${row.name} is applied but no installed module has it`,
        });
    findings.push(
      ...(await driftFindings(
        this.database,
        known.filter((migration) => appliedKeys.has(`${migration.module}/${migration.name}`)),
      )),
    );
    if (options.backup) {
      checked.push('backup checksums');
      const staging = await this.stagingDirectory();
      try {
        await readArchive(options.backup, options.passphrase, staging);
      } catch (error) {
        const code = (error as {code?: string}).code;
        if (code !== 'BACKUP_CORRUPT') throw error;
        findings.push({kind: 'backup-checksum', table: null, detail: (error as Error).message});
      } finally {
        await rm(staging, {recursive: true, force: true});
      }
    }
    // Pending migrations are no fault: a module applies its own when it is next booted.
    const pending = known
      .filter((migration) => !appliedKeys.has(`${migration.module}/${migration.name}`))
      .map((migration) => `${migration.module}/${migration.name}`);
    return {engine: this.database.engine, valid: findings.length === 0, checked, findings, pendingMigrations: pending};
  }

  /** Every table's row count and SHA-256 of its rows in key order, as the manifest records them (database:read). */
  async digests(actor: Actor): Promise<TableDigest[]> {
    await (await this.access()).authorize(actor, DATABASE_PERMISSIONS.read, 'database.validate');
    if (this.database.engine === 'sqlite') return sqliteDigests(await liveSqlite(this.database));
    const connection = await mysqlConnection(this.database.target as MysqlTarget);
    try {
      return await mysqlDigests(connection);
    } finally {
      await endConnection(connection);
    }
  }

  private async checkCompatible(manifest: BackupManifest, modules: readonly ModuleRecord[]): Promise<void> {
    if (manifest.engine !== this.database.engine)
      throw invalidInput(
        `The backup is of a ${manifest.engine} database; this installation runs on ${this.database.engine}`,
        {
          code: 'BACKUP_INCOMPATIBLE',
          hint: 'Restore it on the same engine, then copy it over with data:migrate --to URL.',
        },
      );
    const installed = new Map(modules.filter((record) => !record.error).map((record) => [record.name, record.version]));
    const newer = manifest.modules.filter(
      (module) => installed.has(module.name) && semver.gt(module.version, installed.get(module.name)!),
    );
    if (newer.length > 0)
      throw invalidInput(
        `The backup was made by newer module versions than installed: ${newer.map((module) => `${module.name} ${module.version} (installed ${installed.get(module.name)})`).join(', ')}`,
        {
          code: 'BACKUP_TOO_NEW',
          hint: 'Update SystemPrompt OS (system:update), then restore.',
          details: {modules: newer},
        },
      );
    const known = new Set(
      (await this.database.migrationsOf(migrationSources(modules))).map(
        (migration) => `${migration.module}/${migration.name}`,
      ),
    );
    const unknown = manifest.migrations.filter((migration) => !known.has(`${migration.module}/${migration.name}`));
    if (unknown.length > 0)
      throw invalidInput(
        `The backup has migrations no installed module has: ${unknown.map((migration) => `${migration.module}/${migration.name}`).join(', ')}`,
        {code: 'BACKUP_TOO_NEW', hint: 'Install or update the modules it was made with, then restore.'},
      );
  }

  /**
   * The configuration directory from the archive, keeping this host's session: the new directory is
   * made beside the live one and swapped in with two renames.
   */
  private async restoreConfig(staging: string, progress: Progress): Promise<void> {
    progress('Restoring the configuration');
    const live = this.paths.config;
    const suffix = randomBytes(4).toString('hex');
    const incoming = join(dirname(live), `.${basename(live)}.restore-${suffix}`);
    const previous = join(dirname(live), `.${basename(live)}.old-${suffix}`);
    await mkdir(incoming, {recursive: true, mode: 0o700});
    await cp(join(staging, CONFIG_PREFIX), incoming, {recursive: true}).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    for (const name of HOST_ONLY_CONFIG) await cp(join(live, name), join(incoming, name)).catch(() => undefined);
    const hadLive = Boolean(await stat(live).catch(() => undefined));
    if (hadLive) await rename(live, previous);
    await rename(incoming, live);
    if (hadLive) await rm(previous, {recursive: true, force: true});
  }

  /** A private directory in the data directory (the same file system as the SQLite file). */
  private async stagingDirectory(): Promise<string> {
    await ensurePrivateDirectory(this.paths.data);
    const directory = join(this.paths.data, `.backup-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(directory, {mode: 0o700});
    return directory;
  }

  private async audit(
    access: AccessProvider,
    actor: Actor,
    action: string,
    result: 'ok' | 'failed',
    permission: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    try {
      await access.record(actor, {action, result, permission, target: null, details});
    } catch {
      // The audit table itself may have been replaced by the restore; the change stands.
    }
  }
}
