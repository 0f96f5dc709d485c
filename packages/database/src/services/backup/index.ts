export {
  BackupService,
  type BackupOptions,
  type BackupResult,
  type RestoreOptions,
  type RestoreResult,
  type ValidationReport,
} from './backup-service.js';
export type {ValidationFinding} from './validate.js';
export type {TableDigest} from './engines.js';
export type {BackupManifest} from './format.js';
export {passphraseFlags, terminalProgress} from './flags.js';
export {readPassphrase} from './crypto.js';
export {BackupCommand, RestoreCommand} from './commands.js';
