import type {Interfaces} from '@oclif/core';

type Config = Interfaces.Config;
import {unavailable} from '@systemprompt/core';

const INSTALLING = Symbol.for('systemprompt.moduleInstall');
const state = globalThis as {[INSTALLING]?: number};

/** True while extension:install / extension:remove run plugins:* themselves (the app's install guard then stands aside). */
export const lifecycleRunning = (): boolean => (state[INSTALLING] ?? 0) > 0;

/**
 * Runs a plugins:* command quietly (its spinner would mix with this command's output). The command
 * class is run directly, not through config.runCommand: the modules service has checked modules:write
 * and audits the change itself, and the app's hooks would check and audit it a second time.
 */
export async function runPluginsCommand(config: Config, id: string, args: string[]): Promise<void> {
  const command = config.findCommand(id);
  if (!command)
    throw unavailable(`The ${id} command is not available`, {
      code: 'PLUGINS_UNAVAILABLE',
      hint: 'The CLI needs @oclif/plugin-plugins.',
    });
  state[INSTALLING] = (state[INSTALLING] ?? 0) + 1;
  try {
    await (await command.load()).run(id === 'plugins:install' ? [...args, '--silent'] : args, config);
  } finally {
    state[INSTALLING] -= 1;
  }
  // As config.runCommand does: an uninstalled plugin's hooks must not run for the rest of the process.
  if (id === 'plugins:uninstall') for (const name of args) config.plugins.delete(name);
}
