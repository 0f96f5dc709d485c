import {BackupCommand} from '@systemprompt/database/backup';

export default class SystemBackup extends BackupCommand {
  static override summary = 'Back up the installation: configuration, database and module list, in one archive.';
  static override description =
    "The database module's backup (a consistent snapshot while the server runs, the module versions and applied migrations) with the whole configuration directory (stored secrets stay encrypted; this host's sign-in session is left out), in one tar.gz whose manifest.json holds the SHA-256 of every member. --output names the archive (default: systemprompt-system-<time>.tar.gz here); written to a temporary file and renamed, owner-only. With a passphrase the whole archive is encrypted (scrypt, AES-256-GCM). Needs database:query; audited.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> --output /backups/systemprompt.tar.gz',
    '<%= config.bin %> <%= command.id %> --output backup.enc --passphrase-env BACKUP_PASSPHRASE --json',
  ];
  protected readonly kind = 'system';
}
