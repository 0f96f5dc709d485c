import {Flags, SystemPromptCommand, listFlags, type ListResult} from '@systemprompt/core';
import {ALERT_LIST_FIELDS, ALERT_STATES, type AlertView} from '../../../services/alerts.js';
import {MONITOR} from '../../../token.js';

export default class MonitorAlertsList extends SystemPromptCommand<typeof MonitorAlertsList> {
  static override summary = 'List alerts, newest first: firing, acked and resolved episodes of the alert rules.';
  static override description =
    'Takes monitor:read. One row per firing episode of a rule: when it fired and with which value, who acked it, when and why it was resolved. --state keeps one state. --filter and --sort take id, rule, state, severity, firedAt and resolvedAt; --search looks in the rule name.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --state firing',
    '<%= config.bin %> <%= command.id %> --filter rule=high-5xx-rate --limit 10 --json',
  ];
  static override flags = {
    ...listFlags,
    state: Flags.option({description: 'Only alerts in this state.', options: ALERT_STATES})(),
  };
  static override columns = [
    'id',
    'rule',
    'severity',
    'state',
    'value',
    'lastValue',
    'firedAt',
    'ackedBy',
    'resolvedAt',
  ];

  async run(): Promise<ListResult<AlertView>> {
    const query = this.listQuery({fields: ALERT_LIST_FIELDS, defaultLimit: 50});
    const {alerts} = await this.service(MONITOR);
    return alerts.list(await this.actor(), query, this.flags.state);
  }
}
