import {SystemCommand} from '../../system-command.js';
import type {HeartbeatView} from '../../services/heartbeats.js';

export default class HeartbeatStatus extends SystemCommand<typeof HeartbeatStatus> {
  static override summary = "Every server's last heartbeat: where it runs, its state, and how long ago it beat.";
  static override description =
    'Servers record a heartbeat in the database every system.heartbeatIntervalSeconds; one that missed three beats without stopping shows as lost. Servers of every host that shares the database are listed.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override columns = ['id', 'hostname', 'pid', 'url', 'state', 'lastBeatAt', 'ageSeconds', 'intervalSeconds'];

  async run(): Promise<HeartbeatView[]> {
    return (await this.systemApi()).heartbeats.list(await this.actor());
  }
}
