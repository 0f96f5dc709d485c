import type {CommandInfo} from './command-catalog.js';

/**
 * The command or topic cli:help was asked about: its argument, then any further words of the command
 * line (not flags), joined as an id: `cli:help users create` asks about users:create.
 */
export function requestedCommand(command: string | undefined, argv: readonly string[]): string {
  return [command, ...argv.filter((arg) => !arg.startsWith('-') && arg !== command)].filter(Boolean).join(':');
}

/**
 * cli:help's data: the command asked about (`commandId` is the id oclif found it under, which is the
 * alias when it was asked for by one), the commands of a topic, or every command when none was asked for.
 */
export function helpData(
  infos: CommandInfo[],
  requested: string,
  commandId: string | undefined,
): CommandInfo | CommandInfo[] {
  if (!requested) return infos;
  if (commandId !== undefined)
    return infos.find((info) => info.id === commandId || info.aliases.includes(requested)) ?? infos;
  return infos.filter((info) => info.id.startsWith(`${requested}:`));
}
