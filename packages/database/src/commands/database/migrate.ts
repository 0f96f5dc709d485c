import {Flags, SystemPromptCommand, dryRunFlag} from '@systemprompt/core';
import type {MigrationOutcome} from '../../migrations/runner.js';
import type {DatabaseService} from '../../services/database-service.js';
import {migrationSources} from '../../services/sources.js';

export default class DatabaseMigrate extends SystemPromptCommand<typeof DatabaseMigrate> {
  static override summary = 'Apply pending migrations of every module (or one), dependencies first.';
  static override description = 'Each migration runs all or nothing: in a transaction on SQLite; on MySQL/MariaDB, whose DDL commits at once, the steps already applied are undone if a later one fails. Commands that need the database also migrate their module on first use.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --module users', '<%= config.bin %> <%= command.id %> --dry-run'];
  static override flags = {
    module: Flags.string({description: 'Only this module (and the modules it depends on).'}),
    ...dryRunFlag,
  };
  static override columns = ['module', 'name', 'steps', 'status'];

  async run(): Promise<MigrationOutcome[]> {
    await this.authorize('database:write', 'database.migrate');
    const service = await this.service<DatabaseService>();
    const migrations = await service.migrationsOf(migrationSources(await this.modules(), this.flags.module));
    if (this.flags['dry-run']) this.meta.dryRun = true;
    const outcomes = await (await service.runner()).migrate(migrations, {dryRun: this.flags['dry-run']});
    if (outcomes.length === 0) this.notices.push('Nothing to migrate: the schema is up to date.');
    return outcomes;
  }
}
