import {Flags, SystemPromptCommand, confirmFlag, dryRunFlag} from '@systemprompt/core';
import type {MigrationOutcome} from '../../migrations/runner.js';
import type {DatabaseService} from '../../services/database-service.js';
import {migrationSources} from '../../services/sources.js';

export default class DatabaseRollback extends SystemPromptCommand<typeof DatabaseRollback> {
  static override summary = 'Revert the most recent migrations (dangerous: asks for confirmation).';
  static override description = 'Reverts the last N applied migrations, newest first, each all or nothing. Tables a migration created are dropped with their data.';
  static override examples = ['<%= config.bin %> <%= command.id %> --confirm', '<%= config.bin %> <%= command.id %> --module users --steps 2 --confirm', '<%= config.bin %> <%= command.id %> --steps 3 --dry-run'];
  static override flags = {
    module: Flags.string({description: 'Only migrations of this module.'}),
    steps: Flags.integer({description: 'How many migrations to revert.', default: 1, min: 1}),
    ...confirmFlag,
    ...dryRunFlag,
  };
  static override columns = ['module', 'name', 'steps', 'status'];

  async run(): Promise<MigrationOutcome[]> {
    await this.authorize('database:write', 'database.rollback');
    const service = await this.service<DatabaseService>();
    const known = await service.migrationsOf(migrationSources(await this.modules(), this.flags.module));
    const runner = await service.runner();
    const planned = await runner.rollback(known, {module: this.flags.module, steps: this.flags.steps, dryRun: true});
    if (planned.length === 0) {
      this.notices.push('Nothing to roll back.');
      return [];
    }
    if (this.flags['dry-run']) {
      this.meta.dryRun = true;
      return planned;
    }
    await this.confirmAction(`Revert ${planned.map((item) => `${item.module}/${item.name}`).join(', ')}?`);
    return runner.rollback(known, {module: this.flags.module, steps: this.flags.steps});
  }
}
