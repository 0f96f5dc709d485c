import type {Hook} from '@oclif/core';

/**
 * oclif's plugins:install installs whatever npm resolves. A module package must not take a name or
 * a command topic another package owns, and an upgraded module needs its new migrations: these hooks
 * see to both. extension:install runs plugins:install itself after its own checks, so they stand aside
 * then. (plugins-preinstall.ts links the host's packages; this file only watches.)
 */
const BEFORE = Symbol.for('systemprompt.pluginsBefore');
const store = globalThis as {[BEFORE]?: Map<string, string>};

export const before: Hook<'plugins:preinstall'> = async function ({config}) {
  const modules = await import('@systemprompt/modules');
  if (modules.lifecycleRunning()) return;
  store[BEFORE] = modules.installedPluginVersions(config);
};

export const after: Hook<'plugins:postinstall'> = async function ({config}) {
  const previous = store[BEFORE];
  delete store[BEFORE];
  if (!previous) return;
  const modules = await import('@systemprompt/modules');
  try {
    for (const note of await modules.checkPluginsInstall(config, previous)) process.stderr.write(`${note}\n`);
  } catch (error) {
    const {failPluginsCommand} = await import('./plugins-access-check.js');
    await failPluginsCommand(error, process.argv.slice(2));
  }
};
