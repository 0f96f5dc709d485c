import {createHash} from 'node:crypto';
import {createReadStream} from 'node:fs';
import semver from 'semver';
import {invalidInput} from '@systemprompt/core';
import type {Engine} from '../../connection.js';
import {encodeValue} from '../row-values.js';

/** The archive's manifest: what it holds, how it was made, and the SHA-256 of every member. */
export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: 1;
  /** data: the database and the configuration directory; system: the same, restored as a whole. */
  kind: 'data' | 'system';
  createdAt: string;
  engine: Engine;
  /** How the database snapshot was taken. */
  method: 'sqlite-online-backup' | 'mysql-consistent-snapshot';
  /** Passphrase encryption of the whole archive (scrypt key, AES-256-GCM), or null. */
  encryption: {cipher: 'aes-256-gcm'; kdf: 'scrypt'} | null;
  modules: Array<{name: string; version: string}>;
  migrations: Array<{module: string; name: string}>;
  /** Every table of the snapshot: its rows and the SHA-256 of its rows in key order (see tableDigests). */
  tables: Array<{name: string; rows: number; sha256: string}>;
  members: Array<{path: string; bytes: number; sha256: string}>;
}

export const BACKUP_FORMAT = 'systemprompt-backup';
export const MANIFEST_MEMBER = 'manifest.json';
export const SQLITE_MEMBER = 'database/sqlite.db';
export const MYSQL_SCHEMA_MEMBER = 'database/schema.json';
export const mysqlTableMember = (table: string): string => `database/tables/${table}.ndjson`;
export const CONFIG_PREFIX = 'config/';

/** Files of the configuration directory that belong to this host's session, never to a backup. */
export const HOST_ONLY_CONFIG = new Set(['session.json']);

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** One row as a line of JSON, the same for the archive, the digests and a restore (see encodeValue). */
export const encodeRow = (row: readonly unknown[]): string => JSON.stringify(row.map(encodeValue));

/** A table name as the archive may carry it (it becomes a file name and an identifier). */
export const SAFE_TABLE = /^[A-Za-z0-9_$]{1,64}$/;

/** Checks the manifest's shape; anything else is a corrupt archive. */
export function checkManifest(value: unknown): BackupManifest {
  const manifest = value as Partial<BackupManifest> | null;
  const problem = (what: string) =>
    invalidInput(`The backup's manifest is not valid: ${what}`, {
      code: 'BACKUP_CORRUPT',
      hint: 'Use an archive made by data:backup or system:backup.',
    });
  if (!manifest || typeof manifest !== 'object') throw problem('not an object');
  if (manifest.format !== BACKUP_FORMAT) throw problem('not a SystemPrompt OS backup');
  if (manifest.formatVersion !== 1)
    throw invalidInput(`The backup's format version ${String(manifest.formatVersion)} is not known here`, {
      code: 'BACKUP_TOO_NEW',
      hint: 'Update SystemPrompt OS before restoring it.',
    });
  if (manifest.kind !== 'data' && manifest.kind !== 'system') throw problem('kind');
  if (manifest.engine !== 'sqlite' && manifest.engine !== 'mysql') throw problem('engine');
  const list = (key: keyof BackupManifest) => {
    if (!Array.isArray(manifest[key])) throw problem(key);
  };
  (['modules', 'migrations', 'tables', 'members'] as const).forEach(list);
  for (const member of manifest.members!)
    if (
      typeof member?.path !== 'string' ||
      member.path.split('/').some((part) => part === '..' || part === '') ||
      !/^[0-9a-f]{64}$/.test(String(member.sha256)) ||
      typeof member.bytes !== 'number'
    )
      throw problem(`member ${JSON.stringify(member?.path)}`);
  for (const table of manifest.tables!)
    if (typeof table?.name !== 'string' || !SAFE_TABLE.test(table.name) || typeof table.sha256 !== 'string')
      throw problem(`table ${JSON.stringify(table?.name)}`);
  for (const module of manifest.modules!)
    if (typeof module?.name !== 'string' || typeof module.version !== 'string' || !semver.valid(module.version))
      throw problem('modules');
  for (const migration of manifest.migrations!)
    if (typeof migration?.module !== 'string' || typeof migration.name !== 'string') throw problem('migrations');
  return manifest as BackupManifest;
}
