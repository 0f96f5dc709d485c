import {writeSync} from 'node:fs';
import {helpSubject, parseLine, wantsHelp} from './argv.js';
import {environmentKey, helpLayout, layoutKey, pathStates, sameStates, tableBypassed} from './fingerprint.js';
import {cliDirectories, commandTableFile} from './location.js';
import type {MetadataRequest} from './metadata-commands.js';
import {CommandTable, type HelpSource, type TableHeader} from './table-file.js';

/** What the builder needs to rebuild a missing or stale table after oclif takes over. */
export interface RebuildRequest {
  appRoot: string;
  file: string;
  environment: string;
  /** The previous table's files and their states measured now, before oclif loads anything. */
  previous: {tracked: TableHeader['tracked']; states: string[]} | undefined;
}

export type Outcome = {answered: true} | {answered: false; rebuild?: RebuildRequest};

type Request = {kind: 'help'; source: HelpSource; subject: string} | MetadataRequest;

/**
 * Answers a command that only reads command metadata (bin/run.js asks only for those) from the
 * prebuilt table, byte for byte as oclif would, without loading oclif. When the table is missing or
 * stale (a plugin installed, linked, edited or removed), or cannot answer this command exactly, oclif
 * runs instead; a missing or stale table is rebuilt then.
 */
export async function answerFromCommandTable(argv: readonly string[], appRoot: string): Promise<Outcome> {
  if (tableBypassed()) return {answered: false};
  const directories = cliDirectories();
  const file = commandTableFile(directories);
  const table = CommandTable.read(file);
  const environment = environmentKey(appRoot, directories);
  // Measured before oclif loads, so a table built from what oclif loads is never newer than its states.
  const previous = table ? {tracked: table.header.tracked, states: pathStates(table.header.tracked)} : undefined;
  const rebuild: RebuildRequest = {appRoot, file, environment, previous};
  if (
    !table ||
    !previous ||
    table.header.environment !== environment ||
    !sameStates(table.header.states, previous.states)
  ) {
    table?.close();
    return {answered: false, rebuild};
  }
  try {
    return await answer(argv, table, rebuild);
  } catch {
    // A damaged table (its header read, a part of its body not): oclif answers, and the table is rebuilt.
    // Nothing was written yet: answer() writes only once the whole output is known.
    return {answered: false, rebuild};
  } finally {
    table.close();
  }
}

async function answer(argv: readonly string[], table: CommandTable, rebuild: RebuildRequest): Promise<Outcome> {
  const request = interpret(argv, table.header);
  if (!request) return {answered: false};
  const texts = table.header.help[layoutKey(helpLayout())];
  if (request.kind === 'help' || (request.kind === 'cli-help' && !request.json)) {
    if (!table.header.answers.helpTexts) return {answered: false};
    // Help laid out for another terminal width: oclif answers, and the table learns this layout too.
    if (!texts) return {answered: false, rebuild};
  }
  let output: {stdout: string; stderr: string} | undefined;
  if (request.kind === 'help') {
    const range = texts?.[request.source]?.[request.subject];
    if (range) output = {stdout: table.text(range), stderr: ''};
  } else {
    output = await (await import('./metadata-commands.js')).answerCommand(request, table, texts?.cli);
  }
  if (!output) return {answered: false};
  write(1, output.stdout);
  write(2, output.stderr);
  return {answered: true};
}

/**
 * Writes to a standard stream's descriptor directly: creating process.stdout costs 1-2 ms, a good
 * share of what these commands take. When the descriptor cannot take it all now (a full non-blocking
 * pipe) or fails, the rest goes through the stream, which waits and reports as Node always does.
 */
function write(fd: 1 | 2, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(fd, bytes, written);
  } catch {
    (fd === 1 ? process.stdout : process.stderr).write(bytes.subarray(written));
  }
}

/** Which answer oclif would give this command line, in the order oclif's main decides (main.js run). */
function interpret(argv: readonly string[], header: TableHeader): Request | undefined {
  const {helpFlags, versionFlags, commandIds, topics, answers} = header;
  if (versionFlags.includes(argv[0]!)) return undefined;
  if (wantsHelp(argv, helpFlags)) {
    return {
      kind: 'help',
      source: 'main',
      subject:
        helpSubject(
          argv.filter((arg) => !helpFlags.includes(arg)),
          helpFlags,
        ) ?? '',
    };
  }
  const [id, ...rest] = argv as [string, ...string[]];
  if (!commandIds.includes(id)) return topics.includes(id) ? {kind: 'help', source: 'main', subject: id} : undefined;
  if (id === 'help' && answers.help) {
    // The help command takes words only here; its one flag (--nested-commands) goes to oclif.
    if (rest.some((arg) => arg === '' || arg.startsWith('-'))) return undefined;
    return {kind: 'help', source: 'command', subject: helpSubject(rest, helpFlags) ?? ''};
  }
  if (id === 'cli:list' && answers.list) {
    const line = parseLine(rest, answers.list);
    return line && line.positionals.length === 0 ? {kind: 'list', flags: line.flags} : undefined;
  }
  if (id === 'cli:help' && answers.cliHelp) {
    const line = parseLine(rest, {json: {kind: 'boolean'}});
    if (!line) return undefined;
    return {kind: 'cli-help', command: line.positionals[0], argv: rest, json: line.flags.json === true};
  }
  return undefined;
}
