import * as Flags from '@oclif/core/flags';
import {invalidInput} from '../errors.js';

/** Flags every command has: output format, destination and verbosity. */
export const outputFlags = {
  format: Flags.option({
    description: 'Output format (default: table).',
    options: ['table', 'json', 'yaml'] as const,
    helpGroup: 'OUTPUT',
  })(),
  json: Flags.boolean({description: 'Print the result as JSON (same as --format json).', helpGroup: 'OUTPUT'}),
  output: Flags.string({
    description: 'Write the result to this file (its directory must exist) instead of standard output.',
    helpGroup: 'OUTPUT',
  }),
  quiet: Flags.boolean({
    char: 'q',
    description: 'Print nothing but errors (and JSON when asked for).',
    helpGroup: 'OUTPUT',
  }),
  verbose: Flags.boolean({
    char: 'v',
    description: 'Print debug logs and stack traces on standard error.',
    helpGroup: 'OUTPUT',
  }),
};

/** For commands that change state. */
export const dryRunFlag = {
  'dry-run': Flags.boolean({description: 'Show what would change, and change nothing.'}),
};

/** For dangerous commands: without a terminal they refuse unless --confirm is given. */
export const confirmFlag = {
  confirm: Flags.boolean({char: 'y', description: 'Do it without asking (required when there is no terminal).'}),
};

/** For commands that list things. */
export const listFlags = {
  page: Flags.integer({
    description: 'Page number, from 1 to 1,000,000.',
    min: 1,
    max: 1_000_000,
    default: 1,
    helpGroup: 'LIST',
  }),
  limit: Flags.integer({description: 'Rows per page (0 for all).', min: 0, max: 10_000, helpGroup: 'LIST'}),
  filter: Flags.string({
    description: 'Keep rows whose FIELD equals VALUE (repeatable).',
    multiple: true,
    helpValue: 'FIELD=VALUE',
    helpGroup: 'LIST',
  }),
  search: Flags.string({description: 'Keep rows that contain this text (case-insensitive).', helpGroup: 'LIST'}),
  sort: Flags.string({description: 'Sort by this field.', helpGroup: 'LIST'}),
  order: Flags.option({
    description: 'Sort order.',
    options: ['asc', 'desc'] as const,
    default: 'asc' as const,
    helpGroup: 'LIST',
  })(),
};

/** For commands that can apply their action to many items at once. */
export const batchFlag = {
  batch: Flags.string({
    description: 'Apply to every row of this NDJSON, YAML or CSV file and report each result.',
    helpValue: 'FILE',
  }),
};

/** For commands that can ask for what is missing. */
export const interactiveFlag = {
  interactive: Flags.boolean({char: 'i', description: 'Ask for each value on the terminal.'}),
};

/**
 * A flag that takes a JSON object (`--input '{"name": "value"}'`): the object, or exit 2 with a
 * one-line reason under `code` (undefined when the flag was not given).
 */
export function jsonObjectFlag(
  text: string | undefined,
  flag: string,
  code: string,
): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  const example = `--${flag} '{"name": "value"}'`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidInput(`--${flag} is not JSON: ${error instanceof Error ? error.message : String(error)}`, {
      code,
      hint: `Quote it for the shell: ${example}.`,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalidInput(`--${flag} must be a JSON object`, {code, hint: `For example ${example}.`});
  return value as Record<string, unknown>;
}
