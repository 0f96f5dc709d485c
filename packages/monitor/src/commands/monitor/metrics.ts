import {
  Flags,
  SystemPromptCommand,
  liveServer,
  renderTable,
  textResult,
  type KeyFigure,
  type MetricFamily,
  type MetricsBackend,
  type TextResult,
} from '@systemprompt/core';
import {formatExposition, sampleRows} from '../../exposition.js';
import {processMetricsBackend} from '../../process-metrics.js';
import {MONITOR} from '../../token.js';

/** What --json gives. */
export interface MetricsResult {
  source: 'server' | 'process';
  url: string | null;
  takenAt: string;
  keyFigures: KeyFigure[];
  families: MetricFamily[];
}

export default class MonitorMetrics extends SystemPromptCommand<typeof MonitorMetrics> {
  static override summary = "The running server's metrics (or, with no server, this installation's module figures).";
  static override description = `Takes monitor:read. Reads the running server's /metrics with the local server token: key figures and one row per series (histogram buckets only with --raw or --json). With no server, every module is booted in this process over a real Prometheus registry, so figures read from the database (users by status, open alerts, ...) are there; one line on standard error says so. --filter keeps a PromQL selector's series (metric{label=~"re"}) or those whose name contains the text. --raw prints the Prometheus text exposition.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    `<%= config.bin %> <%= command.id %> --filter 'systemprompt_http_request_duration_seconds_count{status=~"5.."}'`,
    '<%= config.bin %> <%= command.id %> --filter users --raw',
  ];
  static override flags = {
    raw: Flags.boolean({description: 'The Prometheus text exposition (only the filtered series with --filter).'}),
    filter: Flags.string({description: 'A PromQL selector (with braces) or a piece of the metric name.'}),
  };
  private backend: MetricsBackend | undefined;

  protected override kernelOptions(): {metrics?: MetricsBackend} {
    return this.backend ? {metrics: this.backend} : {};
  }

  async run(): Promise<TextResult> {
    // Without a server the figures come from this process: its kernel needs a real registry from the start.
    if (!liveServer(this.paths.data)) this.backend = await processMetricsBackend();
    const {observer} = await this.service(MONITOR);
    const reading = await observer.metricsReading(await this.actor(), {
      ...(this.flags.filter ? {filter: this.flags.filter} : {}),
      local: async () => {
        await this.kernelWithEnabledModules();
      },
    });
    if (reading.source === 'process')
      this.notices.push(
        'No server of this installation is running: these are the figures of this process (modules booted here).',
      );
    const figures = reading.keyFigures;
    const {text: _served, ...result} = reading;
    if (this.flags.raw)
      return textResult(this.flags.filter ? formatExposition(reading.families) : reading.text, result);
    const rows = sampleRows(reading.families);
    const text = [
      figures.length > 0 && !this.flags.filter
        ? renderTable(figures as unknown as Array<Record<string, unknown>>, {columns: ['figure', 'value']})
        : '',
      rows.length > 0 ? renderTable(rows, {columns: ['metric', 'labels', 'value']}) : 'No series.\n',
    ]
      .filter(Boolean)
      .join('\n');
    return textResult(text, result);
  }
}
