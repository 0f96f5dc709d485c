import {Flags} from '@systemprompt/core';
import {SystemCommand} from '../../system-command.js';
import {stopServer, type StopOutcome} from '../../services/process-control.js';

export default class SystemStop extends SystemCommand<typeof SystemStop> {
  static override summary = 'Stop the running server gracefully (SIGKILL after the timeout).';
  static override description =
    'The server stops accepting requests, lets those in flight finish, stops every module in reverse order and closes the database; after --timeout seconds it is killed. No state file is left either way. Without a running server there is nothing to do (exit 0).';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --timeout 5'];
  static override flags = {
    timeout: Flags.integer({description: 'Seconds to wait before killing it.', default: 30, min: 1}),
  };

  async run(): Promise<StopOutcome> {
    const system = await this.systemApi();
    await system.system.authorizeControl(await this.actor(), 'system.stop');
    const outcome = await stopServer(this.paths.data, this.flags.timeout * 1000);
    if (!outcome.stopped) this.notices.push('No server of this installation is running.');
    else if (outcome.killed)
      this.warnings.push(`The server did not stop within ${this.flags.timeout} s and was killed.`);
    return outcome;
  }
}
