import {existsSync} from 'node:fs';
import {stat} from 'node:fs/promises';
import {join, resolve} from 'node:path';
import type {Config} from '@oclif/core';
import {
  invalidInput,
  liveServer,
  notFound,
  SystemPromptError,
  tailLines,
  toSystemPromptError,
  unavailable,
  type AccessProvider,
  type Actor,
  type ConfirmStep,
  type EventBus,
  type EventStore,
  type SystemPaths,
} from '@systemprompt/core';
import {
  discoverModules,
  readModuleFailures,
  type Kernel,
  type ModuleRecord,
  type PluginDescriptor,
} from '@systemprompt/core/kernel';
import {moduleRows, type ModuleRow} from './catalog.js';
import {checkHealth} from './health.js';
import {restartOnServer} from './server-restart.js';
import {installModule, removeModule, type InstallResult, type LifecycleContext, type RemoveResult} from './install.js';
import {newestVersion, recordRegistryRange, registryInstalls, semverGt} from './registry.js';
import {installationOf, git} from './installation.js';
import {planUpdate, rollbackCommands, updateCli, type UpdateOutcome} from './system-update.js';
import {currentLogFile, parseLogLine, readLogs, type LogFilter, type LogLine} from './logs.js';
import {setEnabled, type ToggleResult} from './toggle.js';
import {validateOptionsFor, validatePackage, type PackageReport} from './validate-package.js';

/**
 * The installation the modules service works on: its modules, directories, kernels and the oclif
 * configuration whose plugins they are. The CLI command passes its own; a server passes its kernel's.
 */
export interface ModulesHost {
  /** The installed modules (with disabled ones marked), discovered once. */
  modules(): Promise<ModuleRecord[]>;
  /** oclif's configuration: its plugin list, data directory and the plugins:* commands. */
  config: Config;
  paths: SystemPaths;
  /** The caller's kernel (booted modules are kept for its lifetime). */
  kernel(): Promise<Kernel>;
  /** A fresh kernel over these modules with the installation's configuration; the caller stops it. */
  newKernel(modules?: ModuleRecord[]): Promise<Kernel>;
}

export interface HealthRow {
  module: string;
  healthy: boolean;
  message: string;
}

export interface ModuleInfo extends ModuleRow {
  description: string;
  root: string;
  permissions: string[];
  events: string[];
  tools: string[];
  commands: string[];
  dependents: string[];
}

export interface UpdateRow {
  module: string;
  package: string;
  from: string;
  to: string;
  updated: boolean;
  migrationsApplied: string[];
}

export interface RestartResult {
  module: string;
  restarted: boolean;
  healthy: boolean;
  message: string;
  /** The URL of the server that restarted it; absent when it was checked in this process (no server runs). */
  server?: string;
}

const READ = 'modules:read';
const WRITE = 'modules:write';

const findModule = (records: readonly ModuleRecord[], name: string) =>
  records.find((candidate) => candidate.name === name || candidate.packageName === name);

/** A source or message as the audit log keeps it: credentials in URLs (user:token@host) are cut out. */
const redact = (text: string) => text.replace(/(\/\/)[^/@\s]*@/g, '$1***@');

const moduleNotFound = (name: string) =>
  notFound(`No module named "${name}"`, {code: 'MODULE_NOT_FOUND', hint: 'See modules:list.'});

/**
 * What the modules:* and extension:* commands do, with the permission check first in every method
 * (before anything is looked up, so a refused caller learns nothing from the exit code) and an audit
 * record of every change, made or failed.
 */
export class ModulesService {
  constructor(
    private readonly access: () => Promise<AccessProvider>,
    /** The modules module's events, and the event store (to ask a running server, see restart). */
    private readonly events?: {bus: EventBus; store: () => EventStore | undefined},
  ) {}

  /** Refuses (exit 4, audited by the access decision) unless the actor holds `permission`; gives the decision back for the audit record. */
  private async check(
    actor: Actor,
    permission: string,
    action: string,
    target?: string | null,
  ): Promise<AccessProvider> {
    const access = await this.access();
    await access.authorize(actor, permission, action, target ?? null);
    return access;
  }

  /** Every installed module; with `health`, each enabled one is booted and checked. */
  async list(actor: Actor, host: ModulesHost, options: {health?: boolean} = {}): Promise<ModuleRow[]> {
    await this.check(actor, READ, 'modules.list');
    const records = await host.modules();
    const health = options.health ? await checkHealth(await host.kernel(), records) : undefined;
    return moduleRows(records, health, readModuleFailures(host.paths.data));
  }

  /** One module with its permissions, events, tools, commands and dependents. */
  async info(actor: Actor, host: ModulesHost, name: string): Promise<ModuleInfo> {
    await this.check(actor, READ, 'modules.info', name);
    const records = await host.modules();
    const record = findModule(records, name);
    if (!record) throw moduleNotFound(name);
    const [row] = moduleRows([record], undefined, readModuleFailures(host.paths.data));
    const commands = host.config.commands
      .filter((command) => command.pluginName === record.packageName && !command.aliases?.includes(command.id))
      .map((command) => command.id)
      .sort();
    return {
      ...row!,
      description: record.manifest?.description ?? '',
      root: record.root,
      permissions: (record.manifest?.permissions ?? []).map((permission) => permission.name),
      events: (record.manifest?.events ?? []).map((event) => event.name),
      tools: (record.manifest?.tools ?? []).map((tool) => tool.name),
      commands: [...new Set(commands)],
      dependents: records
        .filter((other) => other.manifest?.dependencies?.includes(record.name))
        .map((other) => other.name),
    };
  }

  /** The health of every enabled module, or of one; any unhealthy one is exit 6 with every row in the details. */
  async health(actor: Actor, host: ModulesHost, name?: string): Promise<HealthRow[]> {
    await this.check(actor, READ, 'modules.health', name ?? null);
    const records = await host.modules();
    if (name && !records.some((record) => record.name === name)) throw moduleNotFound(name);
    const wanted = records.filter((record) => (name ? record.name === name : record.enabled));
    const health = await checkHealth(await host.kernel(), wanted);
    const rows = wanted
      .map((record) => ({
        module: record.name,
        healthy: health.get(record.name)?.healthy ?? false,
        message: health.get(record.name)?.message ?? '',
      }))
      .sort((a, b) => a.module.localeCompare(b.module));
    const sick = rows.filter((row) => !row.healthy);
    if (sick.length > 0) {
      throw unavailable(
        `${sick.length} unhealthy module${sick.length === 1 ? '' : 's'}: ${sick.map((row) => `${row.module} (${row.message})`).join('; ')}`,
        {code: 'MODULES_UNHEALTHY', details: {modules: rows}},
      );
    }
    return rows;
  }

  /** Log lines of the installation's log files, oldest first. */
  async logs(actor: Actor, host: ModulesHost, filter: LogFilter): Promise<LogLine[]> {
    await this.check(actor, READ, 'modules.logs', filter.module ?? null);
    return readLogs(join(host.paths.data, 'logs'), filter);
  }

  /**
   * The lines appended to the current log file from now on, until `signal` aborts (read by offset,
   * not by re-reading the files; a rotation starts the new file from its beginning). The permission
   * is checked once, before the first line.
   */
  async follow(
    actor: Actor,
    host: ModulesHost,
    filter: LogFilter,
    options: {signal: AbortSignal; pollMs?: number},
  ): Promise<AsyncIterable<LogLine>> {
    await this.check(actor, READ, 'modules.logs', filter.module ?? null);
    const file = currentLogFile(join(host.paths.data, 'logs'));
    // Where the log ends now: lines written while the caller reads the older ones are not lost.
    const offset = (await stat(file).catch(() => undefined))?.size ?? 0;
    const lines = tailLines(file, {
      signal: options.signal,
      offset,
      ...(options.pollMs ? {pollMs: options.pollMs} : {}),
    });
    return (async function* () {
      for await (const text of lines) {
        const line = parseLogLine(text, filter);
        if (line) yield line;
      }
    })();
  }

  async enable(actor: Actor, host: ModulesHost, name: string): Promise<ToggleResult> {
    return this.toggle(actor, host, name, true, false);
  }

  async disable(
    actor: Actor,
    host: ModulesHost,
    name: string,
    options: {cascade?: boolean} = {},
  ): Promise<ToggleResult> {
    return this.toggle(actor, host, name, false, options.cascade ?? false);
  }

  private async toggle(
    actor: Actor,
    host: ModulesHost,
    name: string,
    enabled: boolean,
    cascade: boolean,
  ): Promise<ToggleResult> {
    const action = enabled ? 'modules.enable' : 'modules.disable';
    const access = await this.check(actor, WRITE, action, name);
    const result = await setEnabled(await host.modules(), host.paths.config, name, enabled, cascade);
    await access.record(actor, {
      action,
      target: name,
      result: 'ok',
      permission: WRITE,
      details: {alsoChanged: result.alsoChanged},
    });
    return result;
  }

  /** Initializes a module, stops it, initializes it again in a fresh kernel and checks its health. */
  async restart(actor: Actor, host: ModulesHost, name: string): Promise<RestartResult> {
    await this.check(actor, WRITE, 'modules.restart', name);
    const record = (await host.modules()).find((candidate) => candidate.name === name);
    if (!record) throw moduleNotFound(name);
    // With a server running, the module is restarted there (where it runs), not in this process.
    const server = liveServer(host.paths.data);
    const store = this.events?.store();
    if (server && this.events && store) {
      const answer = await restartOnServer(this.events.bus, store, {actor, module: record.name, server});
      if (!answer.healthy)
        throw unavailable(`Module "${record.name}" restarted on the server but is unhealthy: ${answer.message}`, {
          code: 'MODULE_UNHEALTHY',
        });
      return {module: record.name, restarted: true, healthy: true, message: answer.message, server: answer.server};
    }
    // A fresh kernel each time: a restart must not reuse what the first start left in memory.
    for (let round = 0; round < 2; round++) {
      const kernel = await host.newKernel();
      try {
        await kernel.boot([record.name]);
        if (round === 1) {
          const [health] = await kernel.health([record.name]);
          if (!health!.healthy)
            throw unavailable(`Module "${record.name}" restarted but is unhealthy: ${health!.message ?? ''}`, {
              code: 'MODULE_UNHEALTHY',
            });
          return {module: record.name, restarted: true, healthy: true, message: health!.message ?? ''};
        }
      } finally {
        await kernel.stop();
      }
    }
    throw unavailable(`Module "${record.name}" did not restart`, {code: 'MODULE_RESTART_FAILED'});
  }

  /**
   * Checks a module package. A directory is the caller's own files and needs no permission (nor the
   * database: `./dir` and `.` never ask); a bare NAME is looked up among the installed modules only for
   * a caller who may see them (modules:read), so for anyone else it is just a path that does not exist.
   */
  async validate(
    actor: Actor,
    host: ModulesHost,
    target: string,
    options: {timeoutMs?: number} = {},
  ): Promise<PackageReport> {
    const path = /^(\.{1,2}(\/|$)|\/)/.test(target);
    const installed =
      !path && (await (await this.access()).holds(actor, READ)) ? findModule(await host.modules(), target) : undefined;
    const root = installed?.root ?? resolve(target);
    if (!installed && !existsSync(root))
      throw notFound(`No installed module or directory "${target}"`, {code: 'MODULE_NOT_FOUND'});
    // Compared with what is installed (module names, permissions and command topics are public in the
    // installation's own files and in cli:list), and run in a sandbox over the installed modules.
    return validatePackage(
      root,
      validateOptionsFor(root, await host.modules(), host.config.commands, options.timeoutMs),
    );
  }

  /**
   * Installs a module package (npm name, tarball or directory), validates and migrates it; installing a
   * newer version of an installed package upgrades it, an older one is refused unless `force`. On
   * failure the installation is as it was. Audited as made or failed.
   */
  async install(
    actor: Actor,
    host: ModulesHost,
    source: string,
    options: {force?: boolean} = {},
  ): Promise<InstallResult> {
    const access = await this.check(actor, WRITE, 'modules.install', redact(source));
    try {
      const result = await installModule({...(await this.lifecycle(host)), source, force: options.force ?? false});
      await access.record(actor, {
        action: 'modules.install',
        target: result.module,
        result: 'ok',
        permission: WRITE,
        details: {
          package: result.package,
          version: result.version,
          previousVersion: result.previousVersion,
          installAction: result.action,
          source: redact(source),
          migrationsApplied: result.migrationsApplied,
          migrationsReverted: result.migrationsReverted,
        },
      });
      return result;
    } catch (error) {
      await access.record(actor, {
        action: 'modules.install',
        target: redact(source),
        result: 'failed',
        permission: WRITE,
        details: {source: redact(source), error: redact(toSystemPromptError(error).message.split('\n')[0]!)},
      });
      throw error;
    }
  }

  /**
   * Updates modules installed from a registry by name (one, or all) to the newest version their
   * range allows, with an install's guarantees. Modules already at it are reported unchanged.
   */
  async update(actor: Actor, host: ModulesHost, name?: string): Promise<UpdateRow[]> {
    await this.check(actor, WRITE, 'modules.update', name ?? null);
    const records = await host.modules();
    const fromRegistry = registryInstalls(host.config.dataDir);
    let targets = records.filter((record) => record.source === 'user' && fromRegistry.has(record.packageName));
    if (name) {
      const record = findModule(records, name);
      if (!record) throw moduleNotFound(name);
      if (!fromRegistry.has(record.packageName)) {
        throw invalidInput(`${record.packageName} was not installed from a registry by name`, {
          code: 'NOT_FROM_REGISTRY',
          hint: 'Install the newer tarball or directory with extension:install.',
        });
      }
      targets = [record];
    }
    const rows: UpdateRow[] = [];
    for (const record of targets) {
      const range = fromRegistry.get(record.packageName)!;
      const newest = await newestVersion(record.packageName, range);
      if (!newest || !semverGt(newest, record.version)) {
        rows.push({
          module: record.name,
          package: record.packageName,
          from: record.version,
          to: record.version,
          updated: false,
          migrationsApplied: [],
        });
        continue;
      }
      const result = await this.install(actor, host, `${record.packageName}@${newest}`);
      // Keep the range the operator asked for, so the next update follows it too.
      await recordRegistryRange(host.config.dataDir, record.packageName, range);
      rows.push({
        module: result.module,
        package: result.package,
        from: record.version,
        to: result.version,
        updated: true,
        migrationsApplied: result.migrationsApplied,
      });
    }
    return rows;
  }

  /**
   * system:update: what would change (dry run: modules:read and database:read), or the change itself
   * (modules:write and database:write): a backup first, then the CLI (its migrations run by the updated
   * CLI), then every module installed from a registry (each with an install's guarantees), and the
   * commands that go back. Audited.
   */
  async systemUpdate(
    actor: Actor,
    host: ModulesHost,
    options: {dryRun: boolean; fetch: boolean; backup: () => Promise<string>},
  ): Promise<UpdateOutcome> {
    const access = await this.check(actor, options.dryRun ? READ : WRITE, 'system.update');
    await access.authorize(actor, options.dryRun ? 'database:read' : 'database:write', 'system.update');
    const plan = await planUpdate(host, {fetch: options.fetch});
    const pending = plan.changes.filter((change) => change.update);
    const outcome: UpdateOutcome = {...plan, dryRun: options.dryRun, backup: null, migrationsApplied: [], rollback: []};
    if (options.dryRun || pending.length === 0) return outcome;
    const installation = installationOf(host.config.root);
    const head = installation.kind === 'git' ? await git(installation.top, ['rev-parse', 'HEAD']) : null;
    outcome.backup = await options.backup();
    outcome.rollback = rollbackCommands(host, plan, head, outcome.backup);
    try {
      const cli = pending.find((change) => change.kind === 'cli');
      if (cli) outcome.migrationsApplied.push(...(await updateCli(host, cli)));
      for (const change of pending.filter((each) => each.kind === 'module')) {
        const [row] = await this.update(actor, host, change.name);
        outcome.migrationsApplied.push(...(row?.migrationsApplied ?? []));
      }
      await access.record(actor, {
        action: 'system.update',
        target: null,
        result: 'ok',
        permission: WRITE,
        details: {
          changes: pending.map((change) => `${change.package} ${change.from} -> ${change.to}`),
          backup: outcome.backup,
        },
      });
      return outcome;
    } catch (error) {
      await access.record(actor, {
        action: 'system.update',
        target: null,
        result: 'failed',
        permission: WRITE,
        details: {error: redact(toSystemPromptError(error).message.split('\n')[0]!), backup: outcome.backup},
      });
      const failure = toSystemPromptError(error);
      throw new SystemPromptError(failure.message, {
        code: failure.code,
        exitCode: failure.exitCode,
        details: {...failure.details, backup: outcome.backup, rollback: outcome.rollback},
        hint: `To go back: ${outcome.rollback.join('; ')}`,
        cause: error,
      });
    }
  }

  /** What the install and remove paths need of the host. */
  private async lifecycle(host: ModulesHost): Promise<LifecycleContext> {
    return {
      config: host.config,
      paths: host.paths,
      records: await host.modules(),
      newKernel: (modules) => host.newKernel(modules),
      // This process's plugin list predates the change: the new package replaces its old entry.
      discover: async (extra) => {
        const replaced = new Set(extra.map((plugin) => plugin.name));
        const current = (host.config.getPluginsList() as unknown as PluginDescriptor[]).filter(
          (plugin) => !replaced.has(plugin.name),
        );
        return discoverModules([...current, ...extra], host.paths.cache);
      },
    };
  }

  /** Uninstalls a user-installed or linked module; with dropData its migrations are rolled back first. */
  async remove(
    actor: Actor,
    host: ModulesHost,
    name: string,
    options: {dropData?: boolean; confirm?: ConfirmStep} = {},
  ): Promise<RemoveResult> {
    const access = await this.check(actor, WRITE, 'modules.remove', name);
    const record = findModule(await host.modules(), name);
    if (!record) throw moduleNotFound(name);
    if (record.source === 'core')
      throw invalidInput(`Module "${record.name}" comes with the CLI and cannot be removed`, {
        code: 'MODULE_CORE',
        hint: 'Disable it with modules:disable instead.',
      });
    const dropData = options.dropData ?? false;
    await options.confirm?.(`Remove ${record.packageName}${dropData ? ' and drop its tables' : ''}?`);
    try {
      const result = await removeModule({...(await this.lifecycle(host)), record, dropData, actor});
      await access.record(actor, {
        action: 'modules.remove',
        target: record.name,
        result: 'ok',
        permission: WRITE,
        details: {
          package: record.packageName,
          dropData,
          migrationsReverted: result.migrationsReverted,
          configValuesRemoved: result.configValuesRemoved,
          configHistoryRemoved: result.configHistoryRemoved,
        },
      });
      return result;
    } catch (error) {
      await access.record(actor, {
        action: 'modules.remove',
        target: record.name,
        result: 'failed',
        permission: WRITE,
        details: {package: record.packageName, dropData, error: toSystemPromptError(error).message.split('\n')[0]},
      });
      throw error;
    }
  }
}
