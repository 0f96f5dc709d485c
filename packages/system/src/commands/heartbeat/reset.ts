import {confirmFlag, Flags} from '@systemprompt/core';
import {SystemCommand} from '../../system-command.js';

export default class HeartbeatReset extends SystemCommand<typeof HeartbeatReset> {
  static override summary = 'Clear the stored heartbeats (of every server, or of one).';
  static override description =
    'Removes the heartbeat rows, e.g. of lost servers that will not come back. A server that still runs records its heartbeat again at its next beat.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --confirm',
    '<%= config.bin %> <%= command.id %> --server 3f2a9c1e',
  ];
  static override flags = {
    server: Flags.string({description: 'Only this server (its id, or the start of it).'}),
    ...confirmFlag,
  };

  async run(): Promise<{removed: number}> {
    if (!this.flags.server) await this.confirmAction('Clear the heartbeats of every server?');
    return (await this.systemApi()).heartbeats.reset(await this.actor(), this.flags.server);
  }
}
