import {mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {Flags} from '@systemprompt/core';
import {DATABASE} from '@systemprompt/database';
import {BackupService} from '@systemprompt/database/backup';
import {ModulesCommand, ModulesService, type UpdateOutcome} from '@systemprompt/modules';

export default class SystemUpdate extends ModulesCommand<typeof SystemUpdate> {
  static override summary = 'Update the CLI and the modules installed from a registry, then migrate.';
  static override description =
    "Finds what is newer first and shows it with the migrations each new version would run: for a CLI installed with npm, its newest version in the registry (and the new migrations of the module packages that version brings); for a git checkout, the commits behind its upstream branch (fetched first, unless --no-fetch) and the migration files they add; and every module installed from a registry by name, its newest version within the range it was installed with. --dry-run stops there. Otherwise a system backup is taken first (in <data>/backups), the CLI is updated (npm install, or git pull --ff-only, pnpm install and build) and the updated CLI runs every pending migration, then each module is updated with extension:install's guarantees. The output (and any error) lists the commands that go back: the previous versions, then system:restore of the backup. Needs modules:write and database:write (a dry run: modules:read and database:read); audited.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> --json',
  ];
  static override flags = {
    'dry-run': Flags.boolean({description: 'Show what would change; change nothing.', default: false}),
    fetch: Flags.boolean({
      description:
        'Fetch the upstream branch of a git checkout first (--no-fetch compares with what was last fetched).',
      default: true,
      allowNo: true,
    }),
  };
  static override columns = ['kind', 'name', 'from', 'to', 'update', 'migrations', 'note'];

  async run(): Promise<UpdateOutcome | Array<Record<string, unknown>>> {
    // The modules service's logic over this CLI's installation, without booting the modules module
    // (system:* commands boot the system module only; the update needs no module's state).
    const modules = new ModulesService(async () => (await this.kernel()).access());
    const outcome = await modules.systemUpdate(await this.actor(), this.host(), {
      dryRun: this.flags['dry-run'],
      fetch: this.flags.fetch,
      backup: async () => {
        const directory = join(this.paths.data, 'backups');
        await mkdir(directory, {recursive: true, mode: 0o700});
        const output = join(directory, `pre-update-${new Date().toISOString().replace(/[:.]/g, '-')}.tar.gz`);
        const service = new BackupService(await this.service(DATABASE), this.paths, async () =>
          (await this.kernel()).access(),
        );
        return (await service.backup(await this.actor(), await this.modules(), {output, kind: 'system'})).file;
      },
    });
    if (this.format !== 'table') return outcome;
    const pending = outcome.changes.filter((change) => change.update);
    if (pending.length === 0) this.notices.push('Everything is up to date.');
    else if (outcome.dryRun)
      this.notices.push(`${pending.length} update(s) available; run without --dry-run to apply.`);
    else {
      this.notices.push(`Updated; backup taken first: ${outcome.backup}.`);
      this.notices.push(`Migrations applied: ${outcome.migrationsApplied.join(', ') || 'none'}.`);
      this.notices.push(`To go back: ${outcome.rollback.join(' ; ')}`);
      this.notices.push('Restart a running server (system:restart) to run the new code.');
    }
    return outcome.changes.map((change) => ({...change, migrations: change.migrations.join(', ')}));
  }
}
