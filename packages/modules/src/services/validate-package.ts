import {existsSync, readFileSync, realpathSync} from 'node:fs';
import {join, relative} from 'node:path';
import {isPermission, loadManifest, type ModuleManifest} from '@systemprompt/core';
import type {ModuleRecord} from '@systemprompt/core/kernel';
import {runSandbox, type SandboxJob} from './validate-sandbox.js';

/**
 * For the problems a caller picks an exit code by: a name or a topic taken (a conflict), the module
 * failing to start or a migration failing in the sandbox (a dependency unavailable).
 */
export type PackageProblemCode = 'MODULE_NAME_TAKEN' | 'COMMAND_TOPIC_TAKEN' | 'INIT_FAILED' | 'MIGRATION_FAILED';

export interface PackageProblem {
  /** Where: a file of the package, or a path inside it (module.yaml /permissions/0). */
  path: string;
  problem: string;
  code?: PackageProblemCode;
}

export interface PackageReport {
  root: string;
  name: string | null;
  valid: boolean;
  problems: PackageProblem[];
  commands: string[];
  migrations: string[];
}

/** What the installed packages already hold: a package must not claim any of it. */
export interface InstalledModules {
  /** Module name -> package name, every installed module (core and user). */
  modules: ReadonlyMap<string, string>;
  /** Permission name -> module that declares it. */
  permissions: ReadonlyMap<string, string>;
  /** Command topic (first segment of a command id) -> package name. */
  topics: ReadonlyMap<string, string>;
}

export interface ValidateOptions {
  /** Checked for names, permissions and topics taken; without it nothing is compared. */
  installed?: InstalledModules;
  /**
   * The installed modules the package may depend on: with them, initialize(), healthCheck() and the
   * migrations run against a scratch database. Without it (or `false`) the package's code is only
   * imported, in a child process as well.
   */
  sandbox?: {records: readonly ModuleRecord[]; timeoutMs?: number} | false;
  /**
   * The package is one the CLI ships (a core plugin at this root): it is part of the host, so its
   * @systemprompt/* dependencies are not "its own copies", and its namespaces (and the command topics
   * they give, such as the oauth module's auth:clients beside the auth module's auth:login) were
   * settled with the other core modules.
   */
  host?: boolean;
}

/** The namespaces a module owns: its name and the ones its manifest declares. */
export const namespacesOf = (manifest: Pick<ModuleManifest, 'name' | 'namespaces'>): string[] => [
  manifest.name,
  ...(manifest.namespaces ?? []),
];

const COMMAND_ID = /^[a-z][a-z0-9-]*(:[a-z][a-z0-9-]*)+$/;

/**
 * What the installed packages hold, `excludePackage` left out (the package being validated, so that
 * re-validating or upgrading it does not clash with itself). The first holder of a name keeps it, as
 * in discovery; a module that cannot be loaded declares no permissions.
 */
export function installedModulesOf(
  records: readonly ModuleRecord[],
  commands: ReadonlyArray<{id: string; pluginName?: string | undefined}>,
  excludePackage?: string,
): InstalledModules {
  const modules = new Map<string, string>();
  const permissions = new Map<string, string>();
  const topics = new Map<string, string>();
  for (const record of records) {
    if (record.packageName === excludePackage) continue;
    if (!modules.has(record.name)) modules.set(record.name, record.packageName);
    if (record.error) continue;
    for (const namespace of record.manifest?.namespaces ?? [])
      if (!modules.has(namespace)) modules.set(namespace, record.packageName);
    for (const permission of record.manifest?.permissions ?? [])
      if (!permissions.has(permission.name)) permissions.set(permission.name, record.name);
  }
  for (const command of commands) {
    if (!command.pluginName || command.pluginName === excludePackage) continue;
    const topic = command.id.split(':')[0]!;
    if (!topics.has(topic)) topics.set(topic, command.pluginName);
  }
  return {modules, permissions, topics};
}

/**
 * The options extension:validate runs with on an installation: compared with every installed package
 * but the one at `root` itself (the same package name, installed or linked by the user, or a core
 * package's own directory: a directory that only borrows a core package's name still clashes), and
 * sandboxed over the installed modules.
 */
export function validateOptionsFor(
  root: string,
  records: readonly ModuleRecord[],
  commands: ReadonlyArray<{id: string; pluginName?: string | undefined}>,
  timeoutMs?: number,
): ValidateOptions {
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return path;
    }
  };
  let name: string | undefined;
  try {
    name = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson).name;
  } catch {
    // No package name: nothing installed is this package (validation reports the file).
  }
  const self = records.find(
    (record) => record.packageName === name && (record.source !== 'core' || real(record.root) === real(root)),
  );
  return {
    installed: installedModulesOf(records, commands, self?.packageName),
    sandbox: {records, ...(timeoutMs ? {timeoutMs} : {})},
    host: self?.source === 'core',
  };
}

interface PackageJson {
  name?: string;
  version?: string;
  systemprompt?: {module?: string; configValidator?: string};
  oclif?: {commands?: string};
  peerDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
}

type Problem = (path: string, text: string, code?: PackageProblemCode) => void;

/** Permission names: resource:action, in the module's own namespace (its name), declared by no other module. */
function checkPermissions(manifest: ModuleManifest, installed: InstalledModules | undefined, problem: Problem): void {
  for (const [index, {name}] of (manifest.permissions ?? []).entries()) {
    const where = `module.yaml /permissions/${index}`;
    if (!isPermission(name) || name.includes('*')) {
      problem(where, `"${name}" is not a resource:action permission`);
      continue;
    }
    const owned = namespacesOf(manifest);
    if (!owned.includes(name.split(':')[0]!)) {
      problem(
        where,
        `"${name}" is outside the module's ${owned.length > 1 ? 'namespaces' : 'namespace'}: its permissions are named ${owned.map((namespace) => `"${namespace}:<action>"`).join(' or ')}`,
      );
    }
    const owner = installed?.permissions.get(name);
    if (owner) problem(where, `"${name}" is already declared by module "${owner}"`);
  }
}

/** Command ids (and their aliases) are topic:action under the module's name, in a topic no other package uses. */
function checkCommands(
  root: string,
  pjson: PackageJson,
  manifest: ModuleManifest | undefined,
  installed: InstalledModules | undefined,
  problem: Problem,
  host = false,
): string[] {
  const manifestFile = join(root, 'oclif.manifest.json');
  if (!existsSync(manifestFile)) {
    if (pjson.oclif?.commands)
      problem(
        'oclif.manifest.json',
        'missing: run "oclif manifest" in the build so the CLI does not import every command to list them',
      );
    return [];
  }
  const commands =
    (
      JSON.parse(readFileSync(manifestFile, 'utf8')) as {
        commands?: Record<string, {aliases?: string[]; hiddenAliases?: string[]}>;
      }
    ).commands ?? {};
  const reportedTopics = new Set<string>();
  for (const [id, command] of Object.entries(commands)) {
    for (const name of [id, ...(command.aliases ?? []), ...(command.hiddenAliases ?? [])]) {
      const where = name === id ? `command ${id}` : `command ${id} (alias ${name})`;
      const topic = name.split(':')[0]!;
      if (!COMMAND_ID.test(name)) problem(where, 'command ids are topic:action (lower-case, e.g. notes:add)');
      else if (manifest && !namespacesOf(manifest).includes(topic))
        problem(
          where,
          `its topic should be the module name "${manifest.name}"${manifest.namespaces?.length ? ` or one of its namespaces (${manifest.namespaces.join(', ')})` : ''}`,
        );
      const owner = host ? undefined : installed?.topics.get(topic);
      if (owner && !reportedTopics.has(topic)) {
        reportedTopics.add(topic);
        problem(where, `the topic "${topic}" is already used by the commands of ${owner}`, 'COMMAND_TOPIC_TAKEN');
      }
    }
  }
  return Object.keys(commands).sort();
}

/**
 * Everything that makes a directory a working SystemPrompt OS module package: its files, its
 * manifest against the schema, names, permissions and command topics that no installed package
 * holds, the module contract at run time and, with `sandbox`, its migrations applied and reverted and
 * its lifecycle run against a scratch database. The package's code runs only in a child process.
 * Every problem is reported with where it is, not just the first.
 */
export async function validatePackage(root: string, options: ValidateOptions = {}): Promise<PackageReport> {
  const problems: PackageProblem[] = [];
  const problem: Problem = (path, text, code) => problems.push({path, problem: text, ...(code ? {code} : {})});
  const report: PackageReport = {root, name: null, valid: false, problems, commands: [], migrations: []};
  const {installed} = options;

  let pjson: PackageJson = {};
  try {
    pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    problem('package.json', 'missing or not JSON');
  }
  if (!pjson.systemprompt?.module) problem('package.json', 'no "systemprompt": {"module": "./dist/index.js"} entry');
  if (!pjson.oclif) problem('package.json', 'no "oclif" section (the CLI loads modules as oclif plugins)');
  // One kernel and one contract: the host's copies, never a package's own.
  for (const name of options.host
    ? []
    : Object.keys(pjson.dependencies ?? {}).filter(
        (dependency) => dependency.startsWith('@systemprompt/') || dependency === '@oclif/core',
      )) {
    problem(
      'package.json',
      `${name} must be a peerDependency, not a dependency: the module must run on the host's copy`,
    );
  }

  let manifest: ModuleManifest | undefined;
  try {
    manifest = await loadManifest(root);
    report.name = manifest.name;
  } catch (error) {
    const details = (error as {details?: {problems?: string[]}}).details?.problems;
    if (details)
      for (const text of details)
        problem(`module.yaml ${text.slice(0, text.indexOf(':'))}`, text.slice(text.indexOf(':') + 1).trim());
    else problem('module.yaml', error instanceof Error ? error.message : String(error));
  }

  const owner = manifest && installed?.modules.get(manifest.name);
  if (manifest && owner && !options.host)
    problem(
      'module.yaml /name',
      `the module name "${manifest.name}" is already taken by ${owner}`,
      'MODULE_NAME_TAKEN',
    );
  // The modules the CLI ships settled their namespaces among themselves (users owns roles:*, ...).
  for (const [index, namespace] of (options.host ? [] : (manifest?.namespaces ?? [])).entries()) {
    const holder = installed?.modules.get(namespace);
    if (holder)
      problem(
        `module.yaml /namespaces/${index}`,
        `the namespace "${namespace}" is already taken by ${holder}`,
        'MODULE_NAME_TAKEN',
      );
  }
  if (manifest) checkPermissions(manifest, installed, problem);
  report.commands = checkCommands(root, pjson, manifest, installed, problem, options.host);

  const migrationsPath = manifest?.migrations;
  const hasMigrations = migrationsPath !== undefined && existsSync(join(root, migrationsPath));
  if (migrationsPath !== undefined && !hasMigrations)
    problem(migrationsPath, 'the migrations directory does not exist');

  if (manifest && pjson.systemprompt?.module) {
    const entry = join(root, pjson.systemprompt.module);
    if (!existsSync(entry)) problem(relative(root, entry), 'the module entry does not exist (build the package first)');
    else {
      const sandbox = options.sandbox || undefined;
      const module: ModuleRecord = {
        name: manifest.name,
        packageName: pjson.name ?? manifest.name,
        version: pjson.version ?? manifest.version,
        root,
        source: 'user',
        manifest,
        entry,
        ...(pjson.systemprompt.configValidator
          ? {configValidator: join(root, pjson.systemprompt.configValidator)}
          : {}),
        enabled: true,
      };
      // The modules it may use: those that load, without any installed copy of itself.
      const records = (sandbox?.records ?? []).filter(
        (record) => !record.error && record.name !== module.name && record.packageName !== module.packageName,
      );
      const job: SandboxJob = {
        module,
        entryPath: relative(root, entry),
        migrationsPath: hasMigrations ? migrationsPath : undefined,
        records: [...records],
        boot: sandbox !== undefined && !owner,
      };
      const run = await runSandbox(job, sandbox?.timeoutMs);
      problems.push(...run.problems);
      report.migrations = run.migrations;
    }
  }

  report.valid = problems.length === 0;
  return report;
}
