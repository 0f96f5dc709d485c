import type {Hook} from '@oclif/core';

/**
 * oclif's plugins:* commands install, link and remove code that every later command runs, so they need
 * the permission extension:install needs (modules:write; listing and inspecting need modules:read).
 * These hooks load on every command: they do nothing, and import nothing, unless the command is a
 * plugins command; the check itself is in plugins-access-check.ts.
 */
const isPluginsCommand = (id: string | undefined): id is string =>
  id === 'plugins' || (id?.startsWith('plugins:') ?? false);

const check = () => import('./plugins-access-check.js');

/** Before a plugins command runs: refuse (exit 4, audited) unless the actor holds the permission. */
export const prerun: Hook<'prerun'> = async function ({Command, argv, config}) {
  if (!isPluginsCommand(Command.id)) return;
  await (await check()).authorizePluginsCommand(config, Command.id, argv);
};

/** After it succeeded: the audit record of the change. */
export const postrun: Hook<'postrun'> = async function ({Command}) {
  if (!isPluginsCommand(Command.id)) return;
  await (await check()).recordPluginsOutcome(Command.id);
};

/** When the process's command ends (well or not): records failures and closes the access decision. */
export const finish: Hook<'finally'> = async function ({error}) {
  if (!(globalThis as {[key: symbol]: unknown})[Symbol.for('systemprompt.pluginsAccess')]) return;
  await (await check()).finishPluginsCommands(error);
};
