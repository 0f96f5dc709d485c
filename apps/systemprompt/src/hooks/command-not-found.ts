import type {Hook} from '@oclif/core';
import {editDistance} from '@systemprompt/core';

/**
 * The commands closest to a mistyped id: within a third of its length in edits (at least 2), or
 * starting with what was typed (a topic such as `users:`), closest first, at most `limit`.
 */
export function closestCommands(typed: string, ids: Iterable<string>, limit = 3): string[] {
  const wanted = typed.replace(/ /g, ':').toLowerCase();
  const budget = Math.max(2, Math.floor(wanted.length / 3));
  return [...new Set(ids)]
    .map((id) => ({id, distance: id.startsWith(`${wanted}:`) ? 1 : editDistance(wanted, id)}))
    .filter(({distance}) => distance <= budget)
    .sort((a, b) => a.distance - b.distance || a.id.localeCompare(b.id))
    .slice(0, limit)
    .map(({id}) => id);
}

/**
 * A mistyped command: one line naming the closest commands, on a terminal or not, and exit 2 (bad
 * usage), as for any other invalid input; with --json the error envelope on standard output.
 */
const hook: Hook<'command_not_found'> = async function ({id, argv, config}) {
  const suggestions = closestCommands(id, [
    ...config.commandIDs,
    ...config.commands.flatMap((command) => command.aliases),
  ]);
  const message = `${id} is not a ${config.bin} command`;
  const hint =
    suggestions.length > 0
      ? `Did you mean ${suggestions.join(', ')}? ${config.bin} cli:list shows every command.`
      : `${config.bin} cli:list shows every command.`;
  if (argv?.includes('--json')) {
    process.stdout.write(
      `${JSON.stringify({ok: false, error: {code: 'COMMAND_NOT_FOUND', message, hint, details: {command: id, suggestions}}}, null, 2)}\n`,
    );
  } else {
    process.stderr.write(`${message}\nHint: ${hint}\n`);
  }
  this.exit(2);
};

export default hook;
