import {Args, Flags, dryRunFlag, type FollowResult} from '@systemprompt/core';
import type {ProgressLine, RunView} from '../../services/views.js';
import {WorkflowsCommand} from '../../workflows-command.js';

export default class WorkflowsExecute extends WorkflowsCommand<typeof WorkflowsExecute> {
  static override summary = 'Start a run of a workflow; --wait follows it to its end.';
  static override description = `Checks the input against the workflow's inputs schema and queues a run acting as you (workflows:execute); each step then needs what you may do (a tool step, the tool's permission). The server's workers run it. --wait prints each step as it changes (one JSON envelope per line with --json) until the run ends, and exits 1 when it failed or was cancelled; when no server of this installation runs, --wait runs the workflow in this process (every enabled module booted, its tools included), which keeps running until the run ends. --dry-run makes the checks a start makes (permission, workflow, input) and starts nothing.`;
  static override examples = [
    `<%= config.bin %> <%= command.id %> nightly-report --input '{"day": "2027-01-31"}'`,
    '<%= config.bin %> <%= command.id %> nightly-report --wait',
    '<%= config.bin %> <%= command.id %> nightly-report --wait --json',
    `<%= config.bin %> <%= command.id %> nightly-report --input '{"day": "2027-01-31"}' --dry-run`,
  ];
  static override args = {name: Args.string({description: 'The workflow name.', required: true})};
  static override flags = {
    input: Flags.string({description: "The run's input, a JSON object.", helpValue: 'JSON'}),
    wait: Flags.boolean({
      char: 'w',
      description: 'Follow the run until it ends (running it here when no server runs).',
    }),
    ...dryRunFlag,
  };
  static override columns = ['time', 'step', 'status', 'attempts', 'detail'];
  // Statuses run up to "completed"; most step paths fit in 12.
  static override followWidths = {step: 12, status: 9};

  async run(): Promise<RunView | FollowResult<ProgressLine> | {workflow: string; version: number; dryRun: true}> {
    const input = this.inputOf(this.flags.input);
    const actor = await this.actor();
    if (this.flags['dry-run']) {
      // The checks a start makes (permission, workflow, input), and nothing started.
      this.meta.dryRun = true;
      const {runs} = await this.workflows();
      return {...(await runs.validate(actor, this.args.name, input)), dryRun: true};
    }
    const {api, server} = await this.runner(this.flags.wait);
    const run = await api.runs.start(actor, this.args.name, input, {trigger: 'cli'});
    if (this.flags.wait) return this.follow(api, actor, run.id, server);
    if (!server)
      this.warnings.push(
        'No server of this installation is running: the run waits in the queue until one starts (or run it here with --wait).',
      );
    return run;
  }
}
