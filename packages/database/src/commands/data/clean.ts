import {ExitCode, Flags, SystemPromptCommand, invalidInput, type RetentionOutcome} from '@systemprompt/core';
import {RetentionService} from '../../services/retention-service.js';

const UNIT_DAYS = {d: 1, h: 1 / 24} as const;

/** `30d`, `12h` or a plain number of days. */
function parseAge(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([dh]?)$/.exec(value.trim());
  const days = match ? Number(match[1]) * UNIT_DAYS[(match[2] || 'd') as keyof typeof UNIT_DAYS] : Number.NaN;
  if (!match || !(days > 0))
    throw invalidInput(`--older-than ${value}: use a number of days (30 or 30d) or hours (12h), above 0`, {
      code: 'AGE_INVALID',
    });
  return days;
}

export default class DataClean extends SystemPromptCommand<typeof DataClean> {
  static override summary = 'Remove old records: events, logs, webhook deliveries, run and job history, audit.';
  static override description =
    'Runs the retention policy of every enabled module, each at its own setting (shown with the policy: system.eventRetentionDays, webhooks.retentionDays, workflows.retentionDays, agents.retentionDays, queue.retentionDays, scheduler.historyDays, logger.retentionDays), or at the age --older-than gives them all. Only finished work goes (a pending delivery, a running workflow, a job not yet done stay), and an event the webhook dispatcher has not read yet stays whatever its age. The audit log is kept whole unless users.auditRetentionDays says otherwise, and --older-than never shortens it. Rows go in short batches, each with what hangs off it, so a server can keep writing. Needs database:write (--dry-run, which only counts: database:read); audited.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> --older-than 30d',
    '<%= config.bin %> <%= command.id %> --only webhooks --only system/events --json',
  ];
  static override flags = {
    'older-than': Flags.string({description: 'Remove what is older than this (30d, 12h) instead of each setting.'}),
    'dry-run': Flags.boolean({description: 'Count what would go; remove nothing.', default: false}),
    only: Flags.string({description: 'Only this policy (module or module/name); repeatable.', multiple: true}),
  };
  static override columns = ['policy', 'keep', 'before', 'removed', 'setting'];

  async run(): Promise<RetentionOutcome[] | Array<Record<string, unknown>>> {
    const olderThanDays = this.flags['older-than'] === undefined ? undefined : parseAge(this.flags['older-than']);
    const kernel = await this.kernelWithEnabledModules();
    const service = new RetentionService(
      () => kernel.retention,
      () => kernel.access(),
    );
    const outcomes = await service.clean(await this.actor(), {
      olderThanDays,
      dryRun: this.flags['dry-run'],
      only: this.flags.only,
    });
    const failed = outcomes.filter((outcome) => outcome.error);
    for (const outcome of failed) this.warn(`${outcome.module}/${outcome.name}: ${outcome.error}`);
    if (failed.length > 0) this.exitAfterOutput(ExitCode.Unexpected);
    if (this.format !== 'table') return outcomes;
    const total = outcomes.reduce((sum, outcome) => sum + outcome.removed, 0);
    this.notices.push(
      this.flags['dry-run'] ? `${total} record(s) would be removed (dry run).` : `${total} record(s) removed.`,
    );
    return outcomes.map((outcome) => ({
      policy: `${outcome.module}/${outcome.name}`,
      keep: outcome.keepDays === null ? 'all' : `${+outcome.keepDays.toFixed(2)}d`,
      before: outcome.before ?? '',
      removed: outcome.removed,
      setting: outcome.setting,
    }));
  }
}
