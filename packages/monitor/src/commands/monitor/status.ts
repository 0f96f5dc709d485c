import {SystemPromptCommand, renderTable, textResult, type TextResult} from '@systemprompt/core';
import type {StatusView} from '../../services/observer.js';
import {MONITOR} from '../../token.js';

export default class MonitorStatus extends SystemPromptCommand<typeof MonitorStatus> {
  static override summary =
    'Key figures of the running server, the open (firing and acked) alerts and the alert rules.';
  static override description =
    "Takes monitor:read. The figures come from the running server's /metrics (with the local server token); without a server the command says so in one line and still shows the alerts and rules (exit 0). The evaluator line names the server that evaluates the rules (the lease holder) and how many servers publish their figures.";
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<TextResult> {
    const {observer} = await this.service(MONITOR);
    const status = await observer.status(await this.actor());
    return textResult(renderStatus(status), status);
  }
}

function renderStatus(status: StatusView): string {
  const parts: string[] = [];
  const {server, rules, alerts, evaluator} = status;
  parts.push(server.running ? `Server ${server.url}` : 'Server: not running');
  if (server.note) parts.push(server.note);
  if (server.figures.length > 0)
    parts.push(
      renderTable(server.figures as unknown as Array<Record<string, unknown>>, {
        columns: ['figure', 'value'],
      }).trimEnd(),
    );
  parts.push('');
  parts.push(`Alert rules: ${rules.total} (${rules.enabled} enabled)`);
  parts.push(
    evaluator.owner
      ? `Evaluated by ${evaluator.owner} (lease until ${evaluator.leaseExpiresAt}); ${evaluator.publishingServers} server(s) publishing figures`
      : 'Evaluated by: no server holds the evaluator lease (none runs, or it has just stopped)',
  );
  parts.push(`Alerts: ${alerts.firing} firing, ${alerts.acked} acked`);
  if (alerts.open.length > 0)
    parts.push(
      renderTable(alerts.open as unknown as Array<Record<string, unknown>>, {
        columns: ['id', 'rule', 'severity', 'state', 'lastValue', 'condition', 'firedAt', 'ackedBy'],
      }).trimEnd(),
    );
  return `${parts.join('\n')}\n`;
}
