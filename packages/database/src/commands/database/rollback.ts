import {Flags, SystemPromptCommand, confirmFlag, dryRunFlag} from '@systemprompt/core';
import type {MigrationOutcome} from '../../migrations/runner.js';
import {DATABASE} from '../../token.js';

export default class DatabaseRollback extends SystemPromptCommand<typeof DatabaseRollback> {
  static override summary = 'Revert the most recent migrations (dangerous: asks for confirmation).';
  static override description =
    "Reverts the last N applied migrations (every one with --all), newest first, each all or nothing; a module's migrations go before those of the modules it depends on. Tables a migration created are dropped with their data. A migration that drops records kept for good (the audit log) is reverted only when its module is named with --module, or with --all, and the question says how many records are lost. Needs database:write; audited.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> --confirm',
    '<%= config.bin %> <%= command.id %> --module users --steps 2 --confirm',
    '<%= config.bin %> <%= command.id %> --steps 3 --dry-run',
    '<%= config.bin %> <%= command.id %> --all --dry-run',
  ];
  static override flags = {
    module: Flags.string({
      description: 'Only migrations of this module (needed to revert one that drops the audit log).',
    }),
    steps: Flags.integer({description: 'How many migrations to revert.', default: 1, min: 1}),
    all: Flags.boolean({
      description:
        "Revert every applied migration (of --module when given); without --module every module's tables go, the audit log included.",
      exclusive: ['steps'],
    }),
    ...confirmFlag,
    ...dryRunFlag,
  };
  static override columns = ['module', 'name', 'steps', 'status'];

  async run(): Promise<MigrationOutcome[]> {
    const service = await this.service(DATABASE);
    const dryRun = this.flags['dry-run'];
    const outcomes = await service.rollback(await this.actor(), await this.modules(), {
      module: this.flags.module,
      steps: this.flags.steps,
      all: this.flags.all,
      dryRun,
      confirm: (question) => this.confirmAction(question),
    });
    if (outcomes.length === 0) this.notices.push('Nothing to roll back.');
    else if (dryRun) this.meta.dryRun = true;
    return outcomes;
  }
}
