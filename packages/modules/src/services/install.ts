import {existsSync, readFileSync} from 'node:fs';
import {readFile, rm} from 'node:fs/promises';
import {join} from 'node:path';
import type {Config} from '@oclif/core';
import {
  conflict,
  invalidInput,
  loadManifest,
  unavailable,
  writeFileAtomic,
  type Actor,
  type SystemPaths,
  type SystemPromptError,
} from '@systemprompt/core';
import type {Kernel, ModuleRecord, PluginDescriptor} from '@systemprompt/core/kernel';
import {
  DATABASE,
  loadMigrations,
  migrationSourceOf,
  type DatabaseService,
  type ModuleMigration,
} from '@systemprompt/database';
import semver from 'semver';
import {refuseClashes} from './clashes.js';
import {npmErrorLine} from './npm-error.js';
import {applyModuleMigrations} from './module-migrations.js';
import {runPluginsCommand} from './plugins-command.js';
import {pluginManifestFile} from './registry.js';
import {keptTarballName, packagesDirectory, stagePackage, type StagedPackage} from './package-source.js';
import {validateOptionsFor, validatePackage, type PackageProblem} from './validate-package.js';

export interface InstallResult {
  module: string;
  package: string;
  version: string;
  /** The version that was installed before (an upgrade or a downgrade), else null. */
  previousVersion: string | null;
  action: 'installed' | 'upgraded' | 'downgraded';
  source: string;
  migrationsApplied: string[];
  /** Migrations rolled back because the older version installed by a forced downgrade does not have them. */
  migrationsReverted: string[];
  commands: string[];
}

export interface RemoveResult {
  module: string;
  package: string;
  removed: true;
  migrationsReverted: number;
  /** Runtime configuration values and history entries deleted with --drop-data. */
  configValuesRemoved: number;
  configHistoryRemoved: number;
}

export interface LifecycleContext {
  config: Config;
  paths: SystemPaths;
  /** The installed modules as discovered before this change. */
  records: readonly ModuleRecord[];
  /** A kernel over these modules with the command's configuration layers (the database URL among them). */
  newKernel: (modules: ModuleRecord[]) => Promise<Kernel>;
  /** The installed modules with `extra` packages in place of any of the same name. */
  discover: (extra: PluginDescriptor[]) => Promise<ModuleRecord[]>;
}

async function withDatabase<T>(
  input: LifecycleContext,
  records: ModuleRecord[],
  work: (database: DatabaseService) => Promise<T>,
): Promise<T> {
  const kernel = await input.newKernel(records);
  try {
    await kernel.boot(['database']);
    return await work(kernel.service(DATABASE));
  } finally {
    await kernel.stop();
  }
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

/** What the installation held before a change, to put back exactly if the change fails. */
interface Restorable {
  record: ModuleRecord;
  pluginManifest: string;
  tarball: string;
}

/**
 * Keeps the installed version as a tarball under packages/ (packed from its installed files when it
 * was installed from a registry or before tarballs were kept) and the plugin directory's package.json.
 */
async function keepForRestore(record: ModuleRecord, dataDirectory: string): Promise<Restorable> {
  const tarball = join(packagesDirectory(dataDirectory), keptTarballName(record.packageName, record.version));
  if (!existsSync(tarball)) {
    const packed = await stagePackage(record.root, dataDirectory);
    await packed.dispose();
  }
  return {record, pluginManifest: await readFile(pluginManifestFile(dataDirectory), 'utf8'), tarball};
}

/** The migrations a package ships, read from its files (the staged copy resolves the host's packages). */
async function shippedMigrations(moduleName: string, root: string): Promise<ModuleMigration[]> {
  const {migrations} = await loadManifest(root);
  return loadMigrations({module: moduleName, directory: migrations ? join(root, migrations) : undefined});
}

/**
 * Installs, upgrades or (with force) downgrades a module package. Before anything changes, the package
 * is packed and read: a module name or command topic another package owns is refused (exit 5), as is
 * the version already installed (exit 5) and an older one without `force`. Then plugins:install, the
 * full validation, and its pending migrations; if anything fails, the previous version (or nothing)
 * is put back, with the migrations of this attempt reverted.
 */
export async function installModule(
  input: LifecycleContext & {source: string; force: boolean},
): Promise<InstallResult> {
  const dataDirectory = input.config.dataDir;
  const staged = await stagePackage(input.source, dataDirectory);
  try {
    const existing = input.records.find((record) => record.packageName === staged.packageName);
    if (existing?.source === 'core')
      throw invalidInput(`${staged.packageName} comes with the CLI and cannot be installed over`, {
        code: 'MODULE_CORE',
      });
    if (existing?.source === 'link')
      throw conflict(`${staged.packageName} is linked from ${existing.root}`, {
        code: 'MODULE_LINKED',
        hint: `Unlink it first: plugins:unlink ${staged.packageName}.`,
      });
    refuseClashes(staged, input.records, input.config.commands);
    const action = !existing
      ? 'installed'
      : semver.gt(staged.version, existing.version)
        ? 'upgraded'
        : semver.lt(staged.version, existing.version)
          ? 'downgraded'
          : undefined;
    if (!action)
      throw conflict(`${staged.packageName}@${staged.version} is already installed`, {
        code: 'ALREADY_INSTALLED',
        hint: 'Install a newer version to upgrade, or remove it first with extension:remove.',
      });
    if (action === 'downgraded' && !input.force) {
      throw conflict(`${staged.packageName}@${existing!.version} is installed; ${staged.version} is older`, {
        code: 'DOWNGRADE_REFUSED',
        hint: 'Add --force to install it anyway: migrations the older version does not have are rolled back first, dropping what they created.',
      });
    }
    const restorable = existing ? await keepForRestore(existing, dataDirectory) : undefined;
    const reverted = action === 'downgraded' ? await revertNewerMigrations(input, existing!, staged) : [];
    try {
      const installed = await installStaged(input, staged, existing);
      // The previous version's tarball was only kept to put it back.
      if (restorable) await rm(restorable.tarball, {force: true});
      return {...installed, previousVersion: existing?.version ?? null, action, migrationsReverted: reverted};
    } catch (error) {
      const problem = await putBack(input, staged, restorable);
      throw problem ? withUndoFailure(error, problem, staged.packageName) : error;
    }
  } finally {
    await staged.dispose();
  }
}

/** Installs the staged package, validates it and applies its pending migrations (undone on failure). */
async function installStaged(
  input: LifecycleContext & {source: string},
  staged: StagedPackage,
  existing: ModuleRecord | undefined,
): Promise<Omit<InstallResult, 'previousVersion' | 'action' | 'migrationsReverted'>> {
  try {
    await runPluginsCommand(input.config, 'plugins:install', [staged.spec]);
  } catch (error) {
    throw unavailable(`Could not install ${input.source}: ${npmErrorLine(error)}`, {
      code: 'INSTALL_FAILED',
      cause: error,
    });
  }
  const root = join(input.config.dataDir, 'node_modules', staged.packageName);
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PluginDescriptor['pjson'] & {
    version: string;
  };
  const report = await validatePackage(root, validateOptionsFor(root, input.records, input.config.commands));
  if (!report.valid) throw validationFailure(staged.packageName, report.problems, existing?.version);
  const records = await input.discover([{name: staged.packageName, version: pjson.version, root, type: 'user', pjson}]);
  const record = records.find((candidate) => candidate.packageName === staged.packageName)!;
  if (record.error) throw record.error;
  const applied = record.manifest?.migrations ? await migrateWithUndo(input, records, record, existing) : [];
  return {
    module: record.name,
    package: staged.packageName,
    version: pjson.version,
    source: input.source,
    migrationsApplied: applied,
    commands: report.commands,
  };
}

/**
 * Why a package is refused, with the exit code of its worst problem: a name or topic another package
 * owns is a conflict (5), code that cannot initialize or migrate is unavailable (6), the rest is an
 * invalid package (2). Every problem is in the message and the details.
 */
function validationFailure(
  packageName: string,
  problems: readonly PackageProblem[],
  previousVersion: string | undefined,
): SystemPromptError {
  const message = `${packageName} is not a valid module package, so ${previousVersion ? `${previousVersion} was put back` : 'it was removed again'}:\n${problems.map((item) => `${item.path}: ${item.problem}`).join('\n')}`;
  const codes = new Set(problems.map((item) => item.code));
  const details = {problems};
  if (codes.has('MODULE_NAME_TAKEN')) return conflict(message, {code: 'MODULE_NAME_TAKEN', details});
  if (codes.has('COMMAND_TOPIC_TAKEN')) return conflict(message, {code: 'COMMAND_TOPIC_TAKEN', details});
  if (codes.has('MIGRATION_FAILED')) return unavailable(message, {code: 'MIGRATION_FAILED', details});
  if (codes.has('INIT_FAILED')) return unavailable(message, {code: 'INIT_FAILED', details});
  return invalidInput(message, {code: 'EXTENSION_INVALID', details});
}

/** Applies the module's pending migrations; if one fails, those this call applied are reverted before the error goes on. */
async function migrateWithUndo(
  input: LifecycleContext,
  records: ModuleRecord[],
  record: ModuleRecord,
  existing: ModuleRecord | undefined,
): Promise<string[]> {
  return withDatabase(input, records, async (database) => {
    const runner = await database.runner();
    const known = await database.migrationsOf([migrationSourceOf(record)]);
    const before = new Set((await runner.applied()).filter((row) => row.module === record.name).map((row) => row.name));
    try {
      return (await runner.migrate(known)).map((outcome) => outcome.name);
    } catch (error) {
      const added = (await runner.applied()).filter(
        (row) => row.module === record.name && !before.has(row.name),
      ).length;
      if (added > 0) await runner.rollback(known, {module: record.name, steps: added});
      throw unavailable(
        `The migrations of ${record.packageName}@${record.version} failed${existing ? `; ${existing.version} is kept` : ''}: ${firstLine(error)}`,
        {code: 'MIGRATION_FAILED', cause: error},
      );
    }
  });
}

/**
 * For a forced downgrade: rolls back the applied migrations of the module that the older version
 * does not ship (they must be the newest ones: the older version cannot have skipped some).
 */
async function revertNewerMigrations(
  input: LifecycleContext,
  installed: ModuleRecord,
  older: StagedPackage,
): Promise<string[]> {
  const olderNames = new Set(
    (await shippedMigrations(installed.name, older.extracted)).map((migration) => migration.name),
  );
  return withDatabase(input, [...input.records], async (database) => {
    const runner = await database.runner();
    const applied = (await runner.applied()).filter((row) => row.module === installed.name);
    const extra = applied.filter((row) => !olderNames.has(row.name));
    if (extra.length === 0) return [];
    if (applied.slice(-extra.length).some((row) => olderNames.has(row.name))) {
      throw conflict(
        `Cannot downgrade ${installed.packageName}: migrations it does not have were applied before some it has`,
        {code: 'DOWNGRADE_REFUSED', details: {migrations: extra.map((row) => row.name)}},
      );
    }
    const known = await database.migrationsOf([migrationSourceOf(installed)]);
    return (await runner.rollback(known, {module: installed.name, steps: extra.length})).map((outcome) => outcome.name);
  });
}

/**
 * After a failed install: removes what was installed, or puts the previous version back (its files,
 * the plugin entries, its migrations). Returns why that failed too, if it did.
 */
async function putBack(
  input: LifecycleContext,
  staged: StagedPackage,
  restorable: Restorable | undefined,
): Promise<string | undefined> {
  try {
    if (!restorable) {
      if (
        input.config.plugins.has(staged.packageName) ||
        existsSync(join(input.config.dataDir, 'node_modules', staged.packageName))
      ) {
        await runPluginsCommand(input.config, 'plugins:uninstall', [staged.packageName]);
      }
    } else {
      await runPluginsCommand(input.config, 'plugins:install', [`file:${restorable.tarball}`]);
      await writeFileAtomic(pluginManifestFile(input.config.dataDir), restorable.pluginManifest);
      const records = await input.discover([
        {
          name: restorable.record.packageName,
          version: restorable.record.version,
          root: restorable.record.root,
          type: 'user',
          pjson: JSON.parse(
            readFileSync(join(restorable.record.root, 'package.json'), 'utf8'),
          ) as PluginDescriptor['pjson'],
        },
      ]);
      const record = records.find((candidate) => candidate.packageName === restorable.record.packageName)!;
      if (record.manifest?.migrations) {
        await withDatabase(input, records, (database) => applyModuleMigrations(database, record));
      }
    }
    if (staged.kind !== 'npm')
      await rm(join(packagesDirectory(input.config.dataDir), keptTarballName(staged.packageName, staged.version)), {
        force: true,
      });
    return undefined;
  } catch (error) {
    return firstLine(error);
  }
}

function withUndoFailure(error: unknown, problem: string, packageName: string): SystemPromptError {
  return unavailable(`${firstLine(error)}\nPutting the installation back as it was failed too: ${problem}`, {
    code: 'INSTALL_UNDO_FAILED',
    hint: `Check with modules:list; remove it by hand with plugins:uninstall ${packageName} if needed.`,
    cause: error,
  });
}

/** Rolls back what a removed module's migrations made and deletes its configuration (with dropData), then uninstalls it. */
export async function removeModule(
  input: LifecycleContext & {record: ModuleRecord; dropData: boolean; actor: Actor},
): Promise<RemoveResult> {
  const {record} = input;
  let reverted = 0;
  const forgotten = {values: 0, history: 0};
  if (input.dropData) {
    const kernel = await input.newKernel([...input.records]);
    try {
      await kernel.boot(['database', 'config']);
      if (record.manifest?.migrations) {
        const database = kernel.service(DATABASE);
        const runner = await database.runner();
        const known = await database.migrationsOf([migrationSourceOf(record)]);
        const applied = (await runner.applied()).filter((row) => row.module === record.name).length;
        if (applied > 0) reverted = (await runner.rollback(known, {module: record.name, steps: applied})).length;
      }
      const {configService} = await import('@systemprompt/config');
      Object.assign(
        forgotten,
        await configService(kernel.service('config'), [...input.records]).removeModule(input.actor, record.name),
      );
    } finally {
      await kernel.stop();
    }
  }
  await runPluginsCommand(input.config, 'plugins:uninstall', [record.packageName]);
  await rm(join(packagesDirectory(input.config.dataDir), keptTarballName(record.packageName, record.version)), {
    force: true,
  });
  return {
    module: record.name,
    package: record.packageName,
    removed: true,
    migrationsReverted: reverted,
    configValuesRemoved: forgotten.values,
    configHistoryRemoved: forgotten.history,
  };
}
