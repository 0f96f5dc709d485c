import {RestoreCommand} from '@systemprompt/database/backup';

export default class SystemRestore extends RestoreCommand {
  static override summary =
    'Restore the installation from a backup: database and configuration (dangerous: asks for confirmation).';
  static override description =
    "Verifies the whole archive first (every checksum, the manifest, the engine, module versions and migrations against those installed) and changes nothing when a check fails. Then replaces the database atomically (see data:restore) and the configuration directory (made beside the live one, swapped in by rename; this host's sign-in session is kept). Refused while this installation's server runs: stop it first. Needs database:write; audited.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> backup.tar.gz --dry-run',
    '<%= config.bin %> <%= command.id %> backup.tar.gz --confirm',
  ];
  protected readonly kind = 'system';
}
