import {Flags, SystemPromptCommand, dryRunFlag} from '@systemprompt/core';
import type {MigrationOutcome} from '../../migrations/runner.js';
import {DATABASE} from '../../token.js';

export default class DatabaseMigrate extends SystemPromptCommand<typeof DatabaseMigrate> {
  static override summary = 'Apply pending migrations of every module (or one), dependencies first.';
  static override description =
    'Each migration runs all or nothing: in a transaction on SQLite; on MySQL/MariaDB, whose DDL commits at once, the steps already applied are undone if a later one fails. Commands that need the database also migrate their module on first use. Needs database:write; audited.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --module users',
    '<%= config.bin %> <%= command.id %> --dry-run',
  ];
  static override flags = {
    module: Flags.string({description: 'Only this module (and the modules it depends on).'}),
    ...dryRunFlag,
  };
  static override columns = ['module', 'name', 'steps', 'status'];

  async run(): Promise<MigrationOutcome[]> {
    const service = await this.service(DATABASE);
    const dryRun = this.flags['dry-run'];
    const outcomes = await service.migrate(await this.actor(), await this.modules(), {
      module: this.flags.module,
      dryRun,
    });
    if (dryRun) this.meta.dryRun = true;
    if (outcomes.length === 0) this.notices.push('Nothing to migrate: the schema is up to date.');
    return outcomes;
  }
}
