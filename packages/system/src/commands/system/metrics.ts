import {Flags, keyFigures, parsePrometheusText, textResult, type KeyFigure, type TextResult} from '@systemprompt/core';
import {SystemCommand} from '../../system-command.js';

export default class SystemMetrics extends SystemCommand<typeof SystemMetrics> {
  static override summary = "The running server's metrics: key figures, or the whole Prometheus text with --raw.";
  static override description =
    "Scrapes the server's /metrics (with the installation's local server token): uptime, memory, CPU, event loop lag, HTTP requests and 5xx, module health and events dispatched. --raw prints the Prometheus text as served. Exit 6 when no server runs.";
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --raw'];
  static override flags = {
    raw: Flags.boolean({description: 'The Prometheus text exposition, as the server serves it.'}),
  };
  static override columns = ['figure', 'value'];

  async run(): Promise<KeyFigure[] | TextResult> {
    const {system} = await this.systemApi();
    const text = await system.scrapeMetrics(await this.actor());
    if (this.flags.raw) return textResult(text);
    return keyFigures(parsePrometheusText(text));
  }
}
