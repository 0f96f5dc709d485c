import type {Interfaces} from '@oclif/core';

type Config = Interfaces.Config;
import {unavailable} from '@systemprompt/core';
import {cliModules, createCliKernel} from '@systemprompt/core/kernel';
import {DATABASE} from '@systemprompt/database';
import {refuseClashes} from './clashes.js';
import {applyModuleMigrations} from './module-migrations.js';
import {runPluginsCommand} from './plugins-command.js';

/**
 * Versions of every loaded plugin, by package name (taken before plugins:install runs). All of them:
 * plugins:install adds the new one to the list as a plugin of its own, whose type is not "user".
 */
export function installedPluginVersions(config: Pick<Config, 'getPluginsList'>): Map<string, string> {
  return new Map(config.getPluginsList().map((plugin) => [plugin.name, plugin.version]));
}

/**
 * After oclif's own plugins:install (not extension:install, which checks before installing): a package
 * whose module name or command topic belongs to another package is uninstalled again and refused (exit
 * 5); a module package that is new or changed gets its pending migrations applied (exit 6 naming the
 * command that completes them if they fail).
 */
export async function checkPluginsInstall(config: Config, before: ReadonlyMap<string, string>): Promise<string[]> {
  const changed = [...installedPluginVersions(config)]
    .filter(([name, version]) => before.get(name) !== version)
    .map(([name]) => name);
  const notes: string[] = [];
  // The next process loads them as user plugins; this one lists them as plugins of their own.
  const asUser = (plugin: ReturnType<Config['getPluginsList']>[number]) =>
    changed.includes(plugin.name)
      ? {name: plugin.name, version: plugin.version, root: plugin.root, pjson: plugin.pjson, type: 'user'}
      : plugin;
  const view = {
    configDir: config.configDir,
    dataDir: config.dataDir,
    cacheDir: config.cacheDir,
    getPluginsList: () => config.getPluginsList().map(asUser),
  };
  const {paths, modules} = await cliModules(view);
  for (const name of changed) {
    const plugin = config.getPluginsList().find((candidate) => candidate.name === name)!;
    const record = modules.find((candidate) => candidate.packageName === name);
    try {
      refuseClashes(
        {
          packageName: name,
          moduleName: record?.manifest?.name ?? null,
          namespaces: record?.manifest?.namespaces ?? [],
          extracted: plugin.root,
        },
        modules,
        config.commands.filter((command) => command.pluginName !== name),
      );
    } catch (error) {
      await runPluginsCommand(config, 'plugins:uninstall', [name]);
      throw Object.assign(error as Error, {message: `${(error as Error).message}; ${name} was uninstalled again`});
    }
    if (!record?.manifest?.migrations || record.error) continue;
    const kernel = await createCliKernel({modules, paths});
    try {
      await kernel.boot(['database']);
      const applied = await applyModuleMigrations(kernel.service(DATABASE), record);
      if (applied.length > 0)
        notes.push(`${record.name}: applied ${applied.map((outcome) => outcome.name).join(', ')}`);
    } catch (error) {
      throw unavailable(
        `${name} is installed, but its migrations failed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`,
        {
          code: 'MIGRATION_FAILED',
          hint: `Fix the cause and run "${config.bin} database:migrate --module ${record.name}", or remove it with extension:remove ${record.name}.`,
          cause: error,
        },
      );
    } finally {
      await kernel.stop();
    }
  }
  return notes;
}
