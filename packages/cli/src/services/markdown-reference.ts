import type {CommandInfo, FlagInfo} from './command-catalog.js';
import type {ErrorCodeRow} from './installed-error-codes.js';

const escapeCell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');

function usage(bin: string, command: CommandInfo): string {
  const args = command.args.map((arg) => (arg.required ? arg.name.toUpperCase() : `[${arg.name.toUpperCase()}]`));
  return [bin, command.id, ...args, command.flags.length > 0 ? '[FLAGS]' : ''].filter(Boolean).join(' ');
}

function flagName(flag: FlagInfo): string {
  const long = `--${flag.name}${flag.type === 'option' ? `=${flag.options ? flag.options.join('|') : 'VALUE'}` : ''}`;
  return flag.char ? `-${flag.char}, ${long}` : long;
}

/** The error codes as a section: code, exit code, meaning, hint and the package that declares it. */
function errorCodesSection(rows: readonly ErrorCodeRow[]): string[] {
  const out = [
    '',
    '## Error codes',
    '',
    'A failing command exits with the exit code of its error and prints the message and a hint on standard error; with `--json`, the error envelope carries the code (`error.code`). Exit codes: 1 unexpected, 2 invalid input, 3 not found, 4 permission denied, 5 conflict, 6 unavailable.',
    '',
    '| Code | Exit | Meaning | Hint | Package |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const row of rows)
    out.push(
      `| \`${row.code}\` | ${row.exitCode} | ${escapeCell(row.meaning)} | ${escapeCell(row.hint ?? '')} | ${row.package} |`,
    );
  return out;
}

/**
 * The command reference as Markdown: one section per topic, every flag, argument and example, then
 * the error codes of the installed packages.
 */
export function renderMarkdownReference(
  commands: readonly CommandInfo[],
  bin: string,
  errorCodes: readonly ErrorCodeRow[] = [],
): string {
  const topics = new Map<string, CommandInfo[]>();
  for (const command of commands) topics.set(command.topic, [...(topics.get(command.topic) ?? []), command]);
  const out: string[] = [`# ${bin} command reference`, '', `${commands.length} commands in ${topics.size} topics.`, ''];
  for (const topic of [...topics.keys()].sort()) out.push(`- [${topic}](#${topic})`);
  if (errorCodes.length > 0) out.push('- [Error codes](#error-codes)');
  for (const [topic, list] of [...topics.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    out.push('', `## ${topic}`);
    for (const command of list) {
      out.push(
        '',
        `### \`${command.id}\``,
        '',
        command.description || command.summary,
        '',
        '```',
        usage(bin, command),
        '```',
      );
      if (command.aliases.length > 0)
        out.push('', `Aliases: ${command.aliases.map((alias) => `\`${alias}\``).join(', ')}`);
      if (command.deprecated) out.push('', '**Deprecated.**');
      if (command.args.length > 0) {
        out.push('', '| Argument | Required | Description |', '| --- | --- | --- |');
        for (const arg of command.args)
          out.push(
            `| \`${arg.name.toUpperCase()}\` | ${arg.required ? 'yes' : 'no'} | ${escapeCell(arg.description)} |`,
          );
      }
      if (command.flags.length > 0) {
        out.push('', '| Flag | Description | Default |', '| --- | --- | --- |');
        for (const flag of command.flags) {
          const notes = `${escapeCell(flag.description)}${flag.required ? ' (required)' : ''}${flag.multiple ? ' (repeatable)' : ''}`;
          out.push(
            `| \`${escapeCell(flagName(flag))}\` | ${notes} | ${flag.default === undefined ? '' : `\`${escapeCell(String(flag.default))}\``} |`,
          );
        }
      }
      if (command.examples.length > 0) out.push('', 'Examples:', '', '```sh', ...command.examples, '```');
    }
  }
  if (errorCodes.length > 0) out.push(...errorCodesSection(errorCodes));
  return out.join('\n') + '\n';
}
