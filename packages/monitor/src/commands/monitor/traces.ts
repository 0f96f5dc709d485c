import {Flags, SystemPromptCommand, parseSince, textResult, type TextResult} from '@systemprompt/core';
import type {TracesResult} from '../../services/observer.js';
import {renderTraces} from '../../traces.js';
import {MONITOR} from '../../token.js';

export default class MonitorTraces extends SystemPromptCommand<typeof MonitorTraces> {
  static override summary =
    "Recent traces of the running server as trees: each request's spans, their durations and status.";
  static override description = `Takes monitor:read. Reads the spans the running server keeps in its bounded local store (HTTP requests, MCP tool calls, database statements, jobs, workflow steps) through its /api/monitor/traces route with the local server token, groups them by trace (leaving out, unless --all, traces of database statements alone, whose request, job or step has left the store) and prints each as a tree: root span first, children indented, with duration, offset from the start, status and key attributes. --json gives the traces with their spans nested. Exit 6 when no server runs.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --since 5m --min-duration 100 --limit 5',
    '<%= config.bin %> <%= command.id %> --json',
  ];
  static override flags = {
    since: Flags.string({
      description: 'Only spans that started after this: 30s, 10m, 2h, or an ISO date (default 10m).',
    }),
    'min-duration': Flags.integer({description: 'Only traces that took at least this many milliseconds.', min: 0}),
    limit: Flags.integer({description: 'The newest N traces.', default: 20, min: 1, max: 10_000}),
    all: Flags.boolean({
      description: 'Also traces of database statements alone, whose request, job or step has left the store.',
    }),
  };

  async run(): Promise<TextResult> {
    const sinceMs = parseSince(this.flags.since ?? '10m').getTime();
    const {observer} = await this.service(MONITOR);
    const result: TracesResult = await observer.traces(await this.actor(), {
      sinceMs,
      limit: this.flags.limit,
      background: this.flags.all,
      ...(this.flags['min-duration'] !== undefined ? {minDurationMs: this.flags['min-duration']} : {}),
    });
    if (!result.enabled) this.warnings.push(`Tracing is off in the server at ${result.url}: it keeps no spans.`);
    const text = result.traces.length > 0 ? renderTraces(result.traces) : 'No traces.\n';
    return textResult(text, result.traces);
  }
}
