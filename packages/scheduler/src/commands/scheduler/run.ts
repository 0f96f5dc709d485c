import {Args, ExitCode, Flags, liveServer} from '@systemprompt/core';
import {SchedulerCommand} from '../../scheduler-command.js';
import type {RunResult} from '../../services/schedules.js';

export default class SchedulerRun extends SchedulerCommand<typeof SchedulerRun> {
  static override summary = 'Fire a schedule now (a manual tick), and with --wait wait for its outcome.';
  static override description = `Takes scheduler:write. The tick runs as the schedule's owner, like any tick, whether the schedule is paused or not, and shows in scheduler:history. Without --wait it returns once the tick's job is enqueued (a server runs it). With --wait it returns the outcome, and exits 1 when the tick failed; when no server of this installation runs, this process runs the job itself meanwhile.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> user-report',
    '<%= config.bin %> <%= command.id %> user-report --wait --json',
  ];
  static override args = {name: Args.string({required: true, description: 'The schedule.'})};
  static override flags = {
    wait: Flags.boolean({description: 'Wait for the outcome (running the job here when no server runs).'}),
  };
  static override columns = ['schedule', 'tickAt', 'jobId', 'status', 'durationMs', 'exitCode', 'error'];

  async run(): Promise<RunResult> {
    const wait = this.flags.wait;
    const {schedules} = await this.schedulerWithTargets();
    const result = await schedules.run(await this.actor(), this.args.name, {
      wait,
      runHere: wait && !liveServer(this.paths.data),
      signal: this.stopSignal,
    });
    if (wait && result.status !== 'ok') this.exitAfterOutput(ExitCode.Unexpected);
    return result;
  }
}
