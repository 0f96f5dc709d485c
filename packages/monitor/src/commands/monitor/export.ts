import {
  Flags,
  SystemPromptCommand,
  invalidInput,
  liveServer,
  outputFlags,
  parseSince,
  textResult,
  type MetricsBackend,
  type OutputFormat,
  type TextResult,
} from '@systemprompt/core';
import {processMetricsBackend} from '../../process-metrics.js';
import {MONITOR} from '../../token.js';

type ExportFormat = 'prometheus' | 'json' | 'otlp';

/** What --json gives: the export's content with where it came from. */
export interface ExportResult {
  what: 'metrics' | 'traces';
  format: ExportFormat;
  source: 'server' | 'process';
  takenAt: string;
  content: unknown;
}

const {format: _envelopeFormat, ...otherOutputFlags} = outputFlags;
const baseFlags = {
  ...otherOutputFlags,
  json: Flags.boolean({
    description: 'Print the result in the JSON envelope (the export under data.content).',
    helpGroup: 'OUTPUT',
  }),
};

export default class MonitorExport extends SystemPromptCommand<typeof MonitorExport> {
  static override summary =
    'Export a metrics snapshot (Prometheus text or JSON) or the recent traces (JSON or OTLP/JSON).';
  static override description = `Takes monitor:read. --what metrics: the running server's /metrics as served (--format prometheus, the default) or parsed into families and samples (--format json); with no server, this installation's module figures read in this process. --what traces: the running server's recent spans as traces with nested spans (--format json) or as an OTLP/JSON ExportTraceServiceRequest (--format otlp, the default), which OpenTelemetry collectors take. --output writes the file atomically (owner-only); without it the export goes to standard output. --json wraps it in the usual envelope.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --what metrics --output metrics.prom',
    '<%= config.bin %> <%= command.id %> --what metrics --format json',
    '<%= config.bin %> <%= command.id %> --what traces --format otlp --since 15m --output traces.json',
  ];
  // Here --format names the export's format, so the envelope's --format (table|json|yaml) is left out; --json remains.
  static override baseFlags = baseFlags as typeof outputFlags;
  static override flags = {
    what: Flags.option({description: 'What to export.', options: ['metrics', 'traces'] as const, required: true})(),
    format: Flags.string({
      description: 'prometheus or json (metrics; default prometheus); json or otlp (traces; default otlp).',
      options: ['prometheus', 'json', 'otlp'],
    }),
    since: Flags.string({description: 'Traces: only spans that started after this (30m, 2h, or an ISO date).'}),
  };
  private backend: MetricsBackend | undefined;

  protected override get format(): OutputFormat {
    const flags = this.flags as {json?: boolean} | undefined;
    if (flags) return flags.json ? 'json' : 'table';
    return this.argv.includes('--json') ? 'json' : 'table';
  }

  protected override kernelOptions(): {metrics?: MetricsBackend} {
    return this.backend ? {metrics: this.backend} : {};
  }

  async run(): Promise<TextResult> {
    const what = this.flags.what;
    const format = (this.flags.format ?? (what === 'metrics' ? 'prometheus' : 'otlp')) as ExportFormat;
    if ((what === 'metrics' && format === 'otlp') || (what === 'traces' && format === 'prometheus'))
      throw invalidInput(`--format ${format} does not fit --what ${what}`, {
        code: 'MONITOR_EXPORT_INVALID',
        hint: 'Metrics: prometheus or json. Traces: json or otlp.',
      });
    const sinceMs = this.flags.since ? parseSince(this.flags.since).getTime() : undefined;
    if (what === 'metrics' && !liveServer(this.paths.data)) this.backend = await processMetricsBackend();
    const {observer} = await this.service(MONITOR);
    const actor = await this.actor();
    const takenAt = new Date().toISOString();
    if (what === 'metrics') {
      const reading = await observer.metricsReading(actor, {
        local: async () => {
          await this.kernelWithEnabledModules();
        },
      });
      if (reading.source === 'process')
        this.notices.push('No server of this installation is running: these are the figures of this process.');
      const content =
        format === 'json'
          ? {source: reading.source, takenAt: reading.takenAt, families: reading.families}
          : reading.text;
      const text = typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`;
      return textResult(text, {
        what,
        format,
        source: reading.source,
        takenAt: reading.takenAt,
        content,
      } satisfies ExportResult);
    }
    const content =
      format === 'otlp'
        ? await observer.tracesOtlp(actor, sinceMs)
        : (await observer.traces(actor, {background: true, ...(sinceMs === undefined ? {} : {sinceMs})})).traces;
    return textResult(`${JSON.stringify(content, null, 2)}\n`, {
      what,
      format,
      source: 'server',
      takenAt,
      content,
    } satisfies ExportResult);
  }
}
