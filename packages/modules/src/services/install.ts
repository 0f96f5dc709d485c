import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import type {Config} from '@oclif/core';
import {invalidInput, unavailable, type SystemPaths} from '@systemprompt/core';
import type {Kernel, ModuleRecord, PluginDescriptor} from '@systemprompt/core/kernel';
import {migrationSourceOf, type DatabaseService} from '@systemprompt/database';
import {validatePackage, type PackageProblem} from './validate-package.js';

export interface InstallResult {
  module: string;
  package: string;
  version: string;
  source: string;
  migrationsApplied: string[];
  commands: string[];
}

interface Context {
  config: Config;
  paths: SystemPaths;
  /** A kernel over these modules with the command's configuration layers (the database URL among them). */
  newKernel: (modules: ModuleRecord[]) => Promise<Kernel>;
}

/** Names of the user-installed and linked plugins, from the plugin directory's package.json. */
function userPlugins(dataDirectory: string): string[] {
  try {
    const pjson = JSON.parse(readFileSync(join(dataDirectory, 'package.json'), 'utf8')) as {oclif?: {plugins?: Array<string | {name: string}>}};
    return (pjson.oclif?.plugins ?? []).map((plugin) => (typeof plugin === 'string' ? plugin : plugin.name));
  } catch {
    return [];
  }
}

export interface RemoveResult {
  module: string;
  package: string;
  removed: true;
  migrationsReverted: number;
}

/**
 * Runs a plugins:* command quietly (its spinner would mix with this command's output). The command
 * class is run directly, not through config.runCommand: the modules service has checked modules:write
 * and audits the change itself, and the app's prerun hook would check and audit it a second time.
 */
async function plugins(config: Config, id: string, args: string[]): Promise<void> {
  const command = config.findCommand(id);
  if (!command) throw unavailable(`The ${id} command is not available`, {code: 'PLUGINS_UNAVAILABLE', hint: 'The CLI needs @oclif/plugin-plugins.'});
  await (await command.load()).run(id === 'plugins:install' ? [...args, '--silent'] : args, config);
  // As config.runCommand does: an uninstalled plugin's hooks must not run for the rest of the process.
  if (id === 'plugins:uninstall') for (const name of args) config.plugins.delete(name);
}

async function withDatabase<T>(input: Context, records: ModuleRecord[], work: (database: DatabaseService) => Promise<T>): Promise<T> {
  const kernel = await input.newKernel(records);
  try {
    await kernel.boot(['database']);
    return await work(kernel.service<DatabaseService>('database'));
  } finally {
    await kernel.stop();
  }
}

/**
 * Installs with plugins:install (whose preinstall hook links the host's @systemprompt/* packages),
 * then validates the package and applies its migrations; on any failure it uninstalls again.
 */
export async function installModule(input: Context & {source: string; discover: (extra: PluginDescriptor[]) => Promise<ModuleRecord[]>}): Promise<InstallResult> {
  const before = new Set(userPlugins(input.config.dataDir));
  try {
    await plugins(input.config, 'plugins:install', [input.source]);
  } catch (error) {
    throw unavailable(`Could not install ${input.source}: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`, {code: 'INSTALL_FAILED', cause: error});
  }
  const name = userPlugins(input.config.dataDir).find((plugin) => !before.has(plugin));
  if (!name) throw invalidInput(`${input.source} is already installed`, {code: 'ALREADY_INSTALLED', hint: 'Remove it first with extension:remove, or update it with plugins:update.'});
  const root = join(input.config.dataDir, 'node_modules', name);
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {version: string; systemprompt?: {module?: string}};
  const added = {name, root, version: pjson.version};
  const undo = async (reason: string, problems?: PackageProblem[]) => {
    // A package that could not be taken out again must be said, never left behind in silence.
    const leftBehind = await plugins(input.config, 'plugins:uninstall', [added.name]).then(() => undefined, (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]);
    const message = leftBehind === undefined ? reason : `${reason.replace(/, so it was removed again/, '')}\nRemoving it again failed too: ${leftBehind}`;
    return invalidInput(message, {
      code: 'EXTENSION_INVALID',
      ...(leftBehind === undefined ? {} : {hint: `Remove it by hand with plugins:uninstall ${added.name}.`}),
      details: {...(problems ? {problems} : {}), ...(leftBehind === undefined ? {} : {uninstallFailed: leftBehind})},
    });
  };
  const report = await validatePackage(added.root);
  if (!report.valid) {
    throw await undo(`${added.name} is not a valid module package, so it was removed again:\n${report.problems.map((item) => `${item.path}: ${item.problem}`).join('\n')}`, report.problems);
  }
  // This process's plugin list predates the install: add the new package to what is discovered.
  const records = await input.discover([{name, version: pjson.version, root, type: 'user', pjson}]);
  const record = records.find((candidate) => candidate.packageName === added.name)!;
  if (record.error) throw await undo(`${added.name} cannot be loaded, so it was removed again: ${record.error.message}`);
  let applied: string[] = [];
  if (record.manifest?.migrations) {
    try {
      applied = await withDatabase(input, records, async (database) => {
        const outcomes = await (await database.runner()).migrate(await database.migrationsOf([migrationSourceOf(record)]));
        return outcomes.map((outcome) => outcome.name);
      });
    } catch (error) {
      throw await undo(`The migrations of ${added.name} failed, so it was removed again: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return {module: record.name, package: added.name, version: added.version, source: input.source, migrationsApplied: applied, commands: report.commands};
}

/** Uninstalls a module package; with dropData its applied migrations are rolled back first. */
export async function removeModule(input: Context & {record: ModuleRecord; dropData: boolean}): Promise<RemoveResult> {
  let reverted = 0;
  if (input.dropData && input.record.manifest?.migrations) {
    const records = await import('@systemprompt/core/kernel').then(({discoverModules}) => discoverModules(input.config.getPluginsList() as never, input.paths.cache));
    reverted = await withDatabase(input, records, async (database) => {
      const runner = await database.runner();
      const known = await database.migrationsOf([migrationSourceOf(input.record)]);
      const applied = (await runner.applied()).filter((row) => row.module === input.record.name).length;
      return applied === 0 ? 0 : (await runner.rollback(known, {module: input.record.name, steps: applied})).length;
    });
  }
  await plugins(input.config, 'plugins:uninstall', [input.record.packageName]);
  return {module: input.record.name, package: input.record.packageName, removed: true, migrationsReverted: reverted};
}
