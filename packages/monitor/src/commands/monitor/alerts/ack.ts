import {Args, SystemPromptCommand} from '@systemprompt/core';
import type {AlertView} from '../../../services/alerts.js';
import {MONITOR} from '../../../token.js';

export default class MonitorAlertsAck extends SystemPromptCommand<typeof MonitorAlertsAck> {
  static override summary =
    'Acknowledge a firing alert: it stays acked (no new alert, no new event) until its condition clears.';
  static override description =
    'Takes monitor:write. Records who acked it and when, with an alert.acked event. Once the condition clears the evaluator resolves it (alert.resolved); the next breach opens a new alert. Acking an acked alert changes nothing; a resolved one is exit 5, an unknown id exit 3.';
  static override examples = ['<%= config.bin %> <%= command.id %> 0mx7...'];
  static override args = {alert: Args.string({description: 'The alert id (see monitor:alerts:list).', required: true})};

  async run(): Promise<AlertView & {changed: boolean}> {
    const {alerts} = await this.service(MONITOR);
    const acked = await alerts.ack(await this.actor(), this.args.alert);
    if (!acked.changed) this.notices.push(`Alert ${acked.id} was acked already (by ${acked.ackedBy}).`);
    return acked;
  }
}
