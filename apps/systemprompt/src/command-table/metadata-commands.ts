import {isatty} from 'node:tty';
import {
  COMMAND_LIST_COLUMNS,
  COMMAND_LIST_SPEC,
  helpData,
  listCommands,
  requestedCommand,
  type CommandInfo,
  type CommandRow,
} from '@systemprompt/cli/catalog';
import {
  parseListQuery,
  renderHuman,
  serialize,
  successEnvelope,
  textResult,
  type ListFlagValues,
  type ListQuery,
  type OutputFormat,
} from '@systemprompt/core/output';
import type {CommandTable, Range} from './table-file.js';

export type MetadataRequest =
  | {kind: 'list'; flags: Record<string, unknown>}
  | {kind: 'cli-help'; command: string | undefined; argv: readonly string[]; json: boolean};

export interface Output {
  stdout: string;
  stderr: string;
}

/**
 * cli:list and cli:help from the table, through the cli module's own functions and core's rendering:
 * what their run() returns, rendered as the command base renders it. A command line they would refuse
 * (an unknown sort field, an unknown command) gives undefined: oclif answers with the error.
 */
export async function answerCommand(
  request: MetadataRequest,
  table: CommandTable,
  cliTexts: Record<string, Range> | undefined,
): Promise<Output | undefined> {
  if (request.kind === 'list') {
    const flags = request.flags as ListFlagValues & {
      topic?: string;
      json?: boolean;
      format?: OutputFormat;
      quiet?: boolean;
    };
    let query: ListQuery;
    try {
      query = parseListQuery(flags, COMMAND_LIST_SPEC);
    } catch {
      return undefined;
    }
    const format = flags.json ? 'json' : (flags.format ?? 'table');
    // YAML needs the yaml package, which the table's bundle leaves out: oclif prints it.
    if (format === 'yaml') return undefined;
    // The rows are stored in the default order (the builder sorted them as cli:list does), and a stable
    // sort keeps sorted rows as they are: skipping it saves loading the locale's collator (5 ms).
    const stored = query.sort === COMMAND_LIST_SPEC.defaultSort && query.order === 'asc';
    const result = listCommands(
      table.json<CommandRow[]>(table.header.rows),
      flags.topic,
      stored ? {...query, sort: undefined} : query,
    );
    return render(result, {format, quiet: Boolean(flags.quiet), columns: COMMAND_LIST_COLUMNS, pageable: true});
  }
  const requested = requestedCommand(request.command, request.argv);
  const isCommand = table.header.commandIds.includes(requested);
  if (requested && !isCommand && !table.header.topics.includes(requested)) return undefined;
  const data = helpData(table.json<CommandInfo[]>(table.header.infos), requested, isCommand ? requested : undefined);
  // With --json only the data is printed; the text depends on the terminal and is there for one layout.
  const range = cliTexts?.[requested];
  if (!request.json && !range) return undefined;
  return render(textResult(range ? table.text(range) : '', data), {
    format: request.json ? 'json' : 'table',
    quiet: false,
    pageable: false,
  });
}

/** The output of SystemPromptCommand's emit() for a result without warnings, notices or --output. */
async function render(
  result: unknown,
  options: {format: OutputFormat; quiet: boolean; columns?: readonly string[]; pageable: boolean},
): Promise<Output> {
  if (options.format !== 'table')
    return {stdout: await serialize(successEnvelope(result, []), options.format), stderr: ''};
  const width = isatty(1) ? process.stdout.columns : undefined;
  const human = renderHuman(result, {
    ...(options.columns ? {columns: options.columns} : {}),
    ...(width ? {width} : {}),
    pageable: options.pageable,
  });
  if (options.quiet) return {stdout: '', stderr: ''};
  return {stdout: human.text, stderr: human.notes.length > 0 ? `${human.notes.join('\n')}\n` : ''};
}
