import {readFile} from 'node:fs/promises';
import {
  envVariableFor,
  invalidInput,
  type Actor,
  type ConfirmStep,
  type ListQuery,
  type ListResult,
} from '@systemprompt/core';
import {WHOLE_LIST} from '@systemprompt/database';
import {
  SECRET_MASK,
  flatten,
  getPath,
  isEncrypted,
  layerModuleConfig,
  readConfigLayers,
  setPath,
  type ConfigLayerInputs,
  type ConfigSource,
} from '@systemprompt/core/config';
import {CONFIG_CHANGED} from '../events.js';
import type {ConfigModuleApi} from '../index.js';
import {problemsIn, type Problem} from './check.js';
import type {Change, ChangeAction, RuntimeState} from './config-store.js';
import {Guard, READ, SECRETS, SECURITY, WRITE} from './permissions.js';
import {parseSettingValue, type SchemaCatalog, type SettingSpec} from './schema-catalog.js';

export interface SettingRow {
  key: string;
  value: unknown;
  source: ConfigSource | 'unset';
  type: string;
  secret: boolean;
  description: string;
}

export interface ChangeRow {
  key: string;
  before: unknown;
  after: unknown;
}

export interface ChangeResult {
  version: number;
  dryRun: boolean;
  changes: ChangeRow[];
}

export interface HistoryRow {
  version: number;
  key: string;
  before: unknown;
  after: unknown;
  action: string;
  actor: string;
  changedAt: string;
}

type Nested = Record<string, Record<string, unknown>>;

/** Runtime state (module → dot path → value) as the nested objects the layers take. */
function nest(state: RuntimeState): Nested {
  const nested: Nested = {};
  for (const [module, entries] of Object.entries(state))
    for (const [key, value] of Object.entries(entries)) setPath((nested[module] ??= {}), key, value);
  return nested;
}

/** config:set, rollback and import refuse a host-only setting: the runtime layer is shared by every host. */
export function hostOnlyRefusal(spec: SettingSpec): Error {
  const variable = envVariableFor(spec.module, spec.path.split('.')[0]!);
  return invalidInput(
    `${spec.key} is a host-only setting: it comes only from this host's config.yaml, environment or env file, never from runtime settings (a database other hosts share)`,
    {
      code: 'CONFIG_HOST_ONLY',
      details: {key: spec.key},
      hint: `Set it on this host with config:env:set ${variable} VALUE, or in config.yaml (${spec.module}: {${spec.path}: ...}).`,
    },
  );
}

const typeName = (spec: SettingSpec) => {
  const type = Array.isArray(spec.property.type) ? spec.property.type.join('|') : (spec.property.type ?? 'any');
  return spec.property.enum ? `${type} (${spec.property.enum.join('|')})` : type;
};

/**
 * Configuration of every module: schema defaults < config.yaml < environment < runtime settings, the
 * last kept in the database with their history. Secrets are stored encrypted and shown masked.
 * Every public method takes the actor first and checks its permission before it reads anything:
 * config:read to read, config:write to change, config:security as well for a security setting,
 * config:secrets for secrets in clear. Changes are audited with the actor.
 */
export class ConfigService {
  private layerInputs: Promise<ConfigLayerInputs> | undefined;
  private readonly guard: Guard;

  constructor(
    private readonly api: ConfigModuleApi,
    private readonly catalog: SchemaCatalog,
  ) {
    this.guard = new Guard(api.access);
  }

  private async inputs(runtime: RuntimeState): Promise<ConfigLayerInputs> {
    this.layerInputs ??= readConfigLayers(this.api.configDirectory);
    return {...(await this.layerInputs), runtime: nest(runtime)};
  }

  /** A module's values and where each came from, over the given runtime state; defaults filled in. */
  private async effective(
    module: string,
    runtime: RuntimeState,
  ): Promise<{values: Record<string, unknown>; sources: Record<string, ConfigSource | 'unset'>}> {
    const {schema} = this.catalog.schemaOf(module);
    const layered = await layerModuleConfig(module, schema, await this.inputs(runtime), this.api.secrets);
    const sources: Record<string, ConfigSource | 'unset'> = {};
    for (const spec of this.catalog.settings(module)) {
      const source = layered.sources[spec.path];
      if (source) sources[spec.path] = source;
      else if (spec.property.default !== undefined) {
        setPath(layered.values, spec.path, structuredClone(spec.property.default));
        sources[spec.path] = 'default';
      } else sources[spec.path] = 'unset';
    }
    return {values: layered.values, sources};
  }

  private show(spec: SettingSpec, value: unknown): unknown {
    return spec.secret && value !== undefined ? SECRET_MASK : value;
  }

  /** config:security for the security settings among `specs` (one check naming them all). */
  private async authorizeSecurity(actor: Actor, specs: readonly SettingSpec[], action: string): Promise<void> {
    const keys = [...new Set(specs.filter((spec) => spec.security).map((spec) => spec.key))].sort();
    if (keys.length > 0) await this.guard.authorize(actor, SECURITY, action, keys.join(', '));
  }

  /** Every setting's value (secrets masked): of all modules, one module, or one key. */
  async get(actor: Actor, key?: string): Promise<{key: string; value: unknown; source?: string}> {
    await this.guard.authorize(actor, READ, 'config.get', key ?? null);
    const runtime = await this.api.store.current();
    if (key && key.includes('.')) {
      const spec = this.catalog.setting(key);
      const {values, sources} = await this.effective(spec.module, runtime);
      return {key, value: this.show(spec, getPath(values, spec.path)), source: sources[spec.path]!};
    }
    const modules = key ? [this.catalog.schemaOf(key).module] : [...this.catalog.modules.keys()].sort();
    const all: Record<string, unknown> = {};
    for (const module of modules) {
      const {values} = await this.effective(module, runtime);
      for (const spec of this.catalog.settings(module))
        setPath(all, spec.key, this.show(spec, getPath(values, spec.path)));
    }
    return {key: key ?? '', value: key ? all[key] : all};
  }

  async list(actor: Actor): Promise<SettingRow[]> {
    await this.guard.authorize(actor, READ, 'config.list');
    const runtime = await this.api.store.current();
    const rows: SettingRow[] = [];
    for (const module of [...this.catalog.modules.keys()].sort()) {
      const {values, sources} = await this.effective(module, runtime);
      for (const spec of this.catalog.settings(module)) {
        rows.push({
          key: spec.key,
          value: this.show(spec, getPath(values, spec.path)),
          source: sources[spec.path]!,
          type: typeName(spec),
          secret: spec.secret,
          description: spec.property.description ?? '',
        });
      }
    }
    return rows;
  }

  /** Checks every module's configuration as it would be with `runtime`; exit 2 listing each problem. */
  private async check(modules: Iterable<string>, runtime: RuntimeState): Promise<void> {
    const problems = await this.problemsWith(modules, runtime);
    if (problems.length === 0) return;
    throw invalidInput(
      problems.length === 1
        ? problems[0]!.problem
        : `${problems.length} configuration problems: ${problems.map((problem) => problem.problem).join('; ')}`,
      {
        code: 'CONFIG_INVALID',
        details: {problems},
      },
    );
  }

  private async problemsWith(modules: Iterable<string>, runtime: RuntimeState): Promise<Problem[]> {
    return problemsIn(this.catalog, await this.inputs(runtime), this.api.secrets, modules);
  }

  private async storedValue(spec: SettingSpec, value: unknown): Promise<unknown> {
    return spec.secret && value !== undefined && !isEncrypted(value) ? this.api.secrets.encrypt(value) : value;
  }

  /**
   * Applies runtime changes after checking the modules they touch; returns what changed. A caller's
   * `confirm` runs once everything is checked and something would change, right before the write.
   */
  private async change(
    actor: Actor,
    changes: Change[],
    action: ChangeAction,
    options: {
      dryRun?: boolean | undefined;
      confirm?: ConfirmStep | undefined;
      question?: (rows: ChangeRow[]) => string;
    },
  ): Promise<ChangeResult> {
    const dryRun = Boolean(options.dryRun);
    const current = await this.api.store.current();
    const candidate: RuntimeState = structuredClone(current);
    for (const change of changes) {
      if (change.value === undefined) delete candidate[change.module]?.[change.key];
      else (candidate[change.module] ??= {})[change.key] = change.value;
    }
    await this.check(new Set(changes.map((change) => change.module)), candidate);
    const rows: ChangeRow[] = [];
    const effective = new Map<string, {before: Record<string, unknown>; after: Record<string, unknown>}>();
    for (const change of changes) {
      if (
        JSON.stringify(current[change.module]?.[change.key]) === JSON.stringify(candidate[change.module]?.[change.key])
      )
        continue;
      if (!effective.has(change.module))
        effective.set(change.module, {
          before: (await this.effective(change.module, current)).values,
          after: (await this.effective(change.module, candidate)).values,
        });
      const spec = this.catalog.setting(`${change.module}.${change.key}`);
      const {before, after} = effective.get(change.module)!;
      rows.push({
        key: spec.key,
        before: this.show(spec, getPath(before, spec.path)),
        after: this.show(spec, getPath(after, spec.path)),
      });
    }
    rows.sort((a, b) => a.key.localeCompare(b.key));
    if (dryRun || rows.length === 0) return {version: await this.api.store.version(), dryRun, changes: rows};
    if (options.confirm)
      await options.confirm(
        options.question?.(rows) ?? `Change ${rows.length} setting${rows.length === 1 ? '' : 's'}?`,
      );
    const keys = rows.map((row) => row.key);
    // The event is written in the store's transaction: a change that rolls back emits nothing.
    const version = await this.api.store.apply(changes, action, actor.label, (manager, changed) =>
      this.api.events.emit(CONFIG_CHANGED, {action, keys, version: changed}, {actor, transaction: manager}),
    );
    const security = keys.some((key) => this.catalog.setting(key).security);
    // Values as shown (secrets masked), so the audit log never holds a secret.
    await this.guard.record(actor, {
      action: `config.${action}`,
      target: keys.length === 1 ? keys[0]! : `${keys.length} settings`,
      result: 'ok',
      permission: security ? SECURITY : WRITE,
      details: {version, changes: rows},
    });
    return {version, dryRun, changes: rows};
  }

  async set(
    actor: Actor,
    key: string,
    raw: string,
    options: {dryRun?: boolean | undefined} = {},
  ): Promise<ChangeResult> {
    await this.guard.authorize(actor, WRITE, 'config.set', key);
    const spec = this.catalog.setting(key);
    await this.authorizeSecurity(actor, [spec], 'config.set');
    if (spec.hostOnly) throw hostOnlyRefusal(spec);
    const value = parseSettingValue(spec, raw);
    return this.change(
      actor,
      [{module: spec.module, key: spec.path, value: await this.storedValue(spec, value)}],
      'set',
      options,
    );
  }

  /**
   * Deletes a module's runtime values and their history (config:write), for a module package removed
   * with its data; the module need not be installed any more. Audited with the counts.
   */
  async removeModule(actor: Actor, module: string): Promise<{values: number; history: number}> {
    await this.guard.authorize(actor, WRITE, 'config.remove-module', module);
    const removed = await this.api.store.forget(module);
    await this.guard.record(actor, {
      action: 'config.remove-module',
      target: module,
      result: 'ok',
      permission: WRITE,
      details: removed,
    });
    return removed;
  }

  /** Removes a runtime value; allowed for a host-only key too, so a stale value can be cleaned away. */
  async unset(actor: Actor, key: string, options: {dryRun?: boolean | undefined} = {}): Promise<ChangeResult> {
    await this.guard.authorize(actor, WRITE, 'config.unset', key);
    const spec = this.catalog.setting(key);
    await this.authorizeSecurity(actor, [spec], 'config.unset');
    return this.change(actor, [{module: spec.module, key: spec.path, value: undefined}], 'unset', options);
  }

  /**
   * The configured values (file, environment and runtime; with `includeDefaults`, all) as `{module: {...}}`.
   * Host-only settings stay out: they belong to this host, and config:import could not take them.
   */
  async exportValues(
    actor: Actor,
    options: {includeSecrets: boolean; includeDefaults: boolean; module?: string | undefined},
  ): Promise<Nested> {
    await this.guard.authorize(actor, options.includeSecrets ? SECRETS : READ, 'config.export', options.module ?? null);
    const runtime = await this.api.store.current();
    const out: Nested = {};
    const modules = options.module
      ? [this.catalog.schemaOf(options.module).module]
      : [...this.catalog.modules.keys()].sort();
    for (const module of modules) {
      const {values, sources} = await this.effective(module, runtime);
      for (const spec of this.catalog.settings(module)) {
        const source = sources[spec.path];
        if (spec.hostOnly || source === 'unset' || (source === 'default' && !options.includeDefaults)) continue;
        const value = getPath(values, spec.path);
        setPath((out[module] ??= {}), spec.path, options.includeSecrets ? value : this.show(spec, value));
      }
    }
    // Secrets in clear left the database: that is worth a record even though nothing changed.
    if (options.includeSecrets)
      await this.guard.record(actor, {
        action: 'config.export',
        target: options.module ?? null,
        result: 'ok',
        permission: SECRETS,
        details: {includeSecrets: true, modules: Object.keys(out)},
      });
    return out;
  }

  /** Reads an exported file (YAML or JSON, `{module: {...}}` or the command envelope). */
  private async readValuesFile(file: string): Promise<Nested> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw invalidInput(`Cannot read ${file}`, {code: 'CONFIG_FILE_UNREADABLE'});
    }
    let data: unknown;
    try {
      const {parse} = await import('yaml');
      data = parse(text);
    } catch (error) {
      throw invalidInput(`${file} is neither YAML nor JSON: ${(error as Error).message.split('\n')[0]}`, {
        code: 'CONFIG_FILE_INVALID',
      });
    }
    if (data && typeof data === 'object' && 'ok' in data && 'data' in data) data = (data as {data: unknown}).data;
    if (!data || typeof data !== 'object' || Array.isArray(data))
      throw invalidInput(`${file} must map module names to their settings`, {code: 'CONFIG_FILE_INVALID'});
    return data as Nested;
  }

  /** Every leaf of a `{module: {...}}` document as a setting and its value; unknown keys are exit 2. */
  private entriesOf(document: Nested): Array<{spec: SettingSpec; value: unknown}> {
    const entries: Array<{spec: SettingSpec; value: unknown}> = [];
    for (const [module, values] of Object.entries(document)) {
      const specs = this.catalog.settings(this.catalog.schemaOf(module).module);
      for (const [path] of flatten(values ?? {})) {
        if (!specs.some((spec) => path === spec.path || path.startsWith(`${spec.path}.`)))
          this.catalog.setting(`${module}.${path}`);
      }
      for (const spec of specs) {
        const value = getPath(values ?? {}, spec.path);
        if (value !== undefined) entries.push({spec, value});
      }
    }
    return entries;
  }

  /** Sets every value of the file as a runtime setting, all or nothing; masked secrets are left as they are. */
  async importFile(actor: Actor, file: string, options: {dryRun?: boolean | undefined} = {}): Promise<ChangeResult> {
    await this.guard.authorize(actor, WRITE, 'config.import', file);
    const entries = this.entriesOf(await this.readValuesFile(file)).filter(
      ({spec, value}) => !(spec.secret && value === SECRET_MASK),
    );
    await this.authorizeSecurity(
      actor,
      entries.map(({spec}) => spec),
      'config.import',
    );
    const hostOnly = entries.find(({spec}) => spec.hostOnly);
    if (hostOnly) throw hostOnlyRefusal(hostOnly.spec);
    const changes: Change[] = [];
    for (const {spec, value} of entries)
      changes.push({module: spec.module, key: spec.path, value: await this.storedValue(spec, value)});
    return this.change(actor, changes, 'import', options);
  }

  /** One side of a diff as every setting's value: a version, `current`, `defaults` or a file. */
  private async side(spec: string): Promise<Map<string, unknown>> {
    const flat = new Map<string, unknown>();
    const fill = async (runtime: RuntimeState | undefined, document?: Nested) => {
      for (const module of [...this.catalog.modules.keys()].sort()) {
        let values: Record<string, unknown>;
        if (runtime) values = (await this.effective(module, runtime)).values;
        else {
          values = structuredClone(document?.[module] ?? {});
          for (const setting of this.catalog.settings(module))
            if (getPath(values, setting.path) === undefined && setting.property.default !== undefined)
              setPath(values, setting.path, setting.property.default);
        }
        for (const setting of this.catalog.settings(module))
          flat.set(setting.key, this.show(setting, getPath(values, setting.path)));
      }
    };
    if (spec === 'current') await fill(await this.api.store.current());
    else if (spec === 'defaults') await fill(undefined, {});
    else if (/^\d+$/.test(spec)) await fill(await this.stateAt(Number(spec)));
    else {
      const document = await this.readValuesFile(spec);
      this.entriesOf(document);
      await fill(undefined, document);
    }
    return flat;
  }

  private async stateAt(version: number): Promise<RuntimeState> {
    const latest = await this.api.store.version();
    if (version > latest)
      throw invalidInput(`There is no version ${version}; the latest is ${latest}`, {
        code: 'CONFIG_VERSION_UNKNOWN',
        hint: 'See config:history.',
      });
    return this.api.store.stateAt(version);
  }

  /** The settings whose values differ between two sides (versions, `current`, `defaults` or files). */
  async diff(actor: Actor, a: string, b: string): Promise<ChangeRow[]> {
    await this.guard.authorize(actor, READ, 'config.diff');
    const [left, right] = [await this.side(a), await this.side(b)];
    const rows: ChangeRow[] = [];
    for (const [key, before] of left) {
      const after = right.get(key);
      if (JSON.stringify(before) !== JSON.stringify(after)) rows.push({key, before, after});
    }
    return rows;
  }

  /** One page of the changes of every setting, of a module's (`key` a module name) or of one setting. */
  async history(actor: Actor, key?: string, query: ListQuery = WHOLE_LIST): Promise<ListResult<HistoryRow>> {
    await this.guard.authorize(actor, READ, 'config.history', key ?? null);
    let filter: {module?: string; key?: string} = {};
    if (key)
      filter = key.includes('.')
        ? {module: this.catalog.setting(key).module, key: this.catalog.setting(key).path}
        : {module: this.catalog.schemaOf(key).module};
    const page = await this.api.store.history(filter, query);
    const show = (module: string, path: string, json: string | null) => {
      if (json === null) return null;
      const value = JSON.parse(json) as unknown;
      const secret = this.catalog.settings(module).find((spec) => spec.path === path)?.secret ?? isEncrypted(value);
      return secret ? SECRET_MASK : value;
    };
    return {
      ...page,
      items: page.items.map((row) => ({
        version: row.id,
        key: `${row.module}.${row.key}`,
        before: show(row.module, row.key, row.oldValueJson),
        after: show(row.module, row.key, row.newValueJson),
        action: row.action,
        actor: row.actor,
        changedAt: row.changedAt,
      })),
    };
  }

  /**
   * Restores the runtime settings as they were right after `version`, as a new version. Security
   * settings among the changes need config:security; bringing back a host-only value is refused.
   * `confirm` is asked after every check, when something would change.
   */
  async rollback(
    actor: Actor,
    version: number,
    options: {dryRun?: boolean | undefined; confirm?: ConfirmStep | undefined} = {},
  ): Promise<ChangeResult> {
    await this.guard.authorize(actor, WRITE, 'config.rollback', `version ${version}`);
    const target = await this.stateAt(version);
    const current = await this.api.store.current();
    const changes: Change[] = [];
    for (const module of new Set([...Object.keys(current), ...Object.keys(target)])) {
      if (!this.catalog.modules.has(module)) continue;
      for (const key of new Set([...Object.keys(current[module] ?? {}), ...Object.keys(target[module] ?? {})])) {
        const value = target[module]?.[key];
        if (JSON.stringify(current[module]?.[key]) !== JSON.stringify(value)) changes.push({module, key, value});
      }
    }
    const specs = changes.map((change) => ({change, spec: this.catalog.setting(`${change.module}.${change.key}`)}));
    await this.authorizeSecurity(
      actor,
      specs.map(({spec}) => spec),
      'config.rollback',
    );
    const hostOnly = specs.find(({change, spec}) => spec.hostOnly && change.value !== undefined);
    if (hostOnly) throw hostOnlyRefusal(hostOnly.spec);
    return this.change(actor, changes, 'rollback', {
      ...options,
      question: (rows) => `Change ${rows.length} setting${rows.length === 1 ? '' : 's'} back to version ${version}?`,
    });
  }
}
