import {BackupCommand} from '../../services/backup/commands.js';

export default class DataBackup extends BackupCommand {
  static override summary = 'Back up the database and the configuration into one checksummed archive.';
  static override description =
    'Takes a consistent snapshot while the server runs (SQLite: the online backup API; MySQL/MariaDB: one read-only transaction WITH CONSISTENT SNAPSHOT, every table in key order) and writes it, with the configuration directory (stored secrets stay encrypted), the module versions and the applied migrations, into one tar.gz whose manifest.json holds the SHA-256 of every member and of every table. --output names the archive (default: systemprompt-backup-<time>.tar.gz here); it is written to a temporary file and renamed, readable by its owner only. With a passphrase the whole archive is encrypted (scrypt, AES-256-GCM). Needs database:query (a backup holds every table); audited.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --output /backups/systemprompt.tar.gz',
    'BACKUP_PASSPHRASE=... <%= config.bin %> <%= command.id %> --output backup.tar.gz.enc --passphrase-env BACKUP_PASSPHRASE',
    '<%= config.bin %> <%= command.id %> --passphrase-file ~/.backup-passphrase --json',
  ];
  protected readonly kind = 'data';
}
