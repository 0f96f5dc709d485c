import {RestoreCommand} from '../../services/backup/commands.js';

export default class DataRestore extends RestoreCommand {
  static override summary = 'Restore the database from a backup (dangerous: asks for confirmation).';
  static override description =
    "Verifies the whole archive first (every checksum, the manifest, the engine, module versions and migrations against those installed) and changes nothing when any check fails; a backup made by newer module versions is refused. Then replaces the database atomically: SQLite writes the restored file beside the live one and renames it over it; MySQL/MariaDB loads a new schema and swaps every table in with one RENAME TABLE. A crash at any point leaves the old data or the new, never a mix. Refused while this installation's server runs. The configuration is not changed (system:restore restores it too). Needs database:write; audited.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> backup.tar.gz --dry-run',
    '<%= config.bin %> <%= command.id %> backup.tar.gz --confirm',
    '<%= config.bin %> <%= command.id %> backup.tar.gz.enc --passphrase-env BACKUP_PASSPHRASE --confirm',
  ];
  protected readonly kind = 'data';
}
