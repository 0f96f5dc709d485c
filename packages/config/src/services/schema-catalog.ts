import {editDistance, envVariableFor, invalidInput} from '@systemprompt/core';
import type {ModuleRecord} from '@systemprompt/core/kernel';

export interface PropertySchema {
  type?: string | string[];
  enum?: unknown[];
  description?: string;
  default?: unknown;
  secret?: boolean;
  /** Changing it needs config:security (see SchemaCatalog.settings). */
  security?: boolean;
  /** Only this host's own sources give it, never the runtime layer. */
  hostOnly?: boolean;
  writeOnly?: boolean;
  properties?: Record<string, PropertySchema>;
  [keyword: string]: unknown;
}

export interface ModuleSchema {
  module: string;
  schema: Record<string, unknown>;
  /** Precompiled validator of the schema, when the package ships one. */
  validator: string | undefined;
}

/** A leaf setting of a module's schema: `logger.level`. */
export interface SettingSpec {
  module: string;
  /** Dot path inside the module's config. */
  path: string;
  key: string;
  property: PropertySchema;
  secret: boolean;
  /** Changing it needs config:security too. */
  security: boolean;
  /** Taken only from config.yaml and the environment: config:set, rollback and import refuse it. */
  hostOnly: boolean;
}

/**
 * Security settings whatever their module's schema says: who may act (every auth.* key decides how
 * actors are recognized and trusted) and which database this installation trusts (database.url).
 */
const BUILT_IN_SECURITY = (module: string, path: string) =>
  module === 'auth' || (module === 'database' && path === 'url');

/** The environment variable of a top-level setting, and what it feeds. */
export interface EnvVariable {
  name: string;
  module: string;
  /** The top-level key of the module's config (a group takes JSON). */
  key: string;
  secret: boolean;
  security: boolean;
}

/**
 * The candidate closest to `wanted` (edit distance) when it is within `maxDistance`: by default close
 * enough to be a likely typo (3 edits, or a third of the candidate's length when longer).
 */
export function closest(wanted: string, candidates: readonly string[], maxDistance?: number): string | undefined {
  let best: {candidate: string; score: number} | undefined;
  for (const candidate of candidates) {
    const score = editDistance(wanted, candidate);
    if (!best || score < best.score) best = {candidate, score};
  }
  return best && best.score <= (maxDistance ?? Math.max(3, Math.floor(best.candidate.length / 3)))
    ? best.candidate
    : undefined;
}

const typeOf = (property: PropertySchema): string[] =>
  Array.isArray(property.type) ? property.type : property.type ? [property.type] : [];
const isGroup = (property: PropertySchema) => typeOf(property).includes('object') && property.properties !== undefined;

/** The configuration schemas of the installed modules that load, and the settings they define. */
export class SchemaCatalog {
  readonly modules = new Map<string, ModuleSchema>();

  constructor(records: readonly ModuleRecord[]) {
    for (const record of records) {
      if (record.error || !record.manifest?.config) continue;
      this.modules.set(record.name, {
        module: record.name,
        schema: record.manifest.config,
        validator: record.configValidator,
      });
    }
  }

  /** Every leaf setting, module by module, in schema order. */
  settings(module?: string): SettingSpec[] {
    const specs: SettingSpec[] = [];
    type Inherited = {secret: boolean; security: boolean; hostOnly: boolean};
    const walk = (
      moduleName: string,
      properties: Record<string, PropertySchema>,
      prefix: string,
      inherited: Inherited,
    ) => {
      for (const [name, property] of Object.entries(properties)) {
        const path = prefix ? `${prefix}.${name}` : name;
        const hostOnly = inherited.hostOnly || property.hostOnly === true;
        const marks: Inherited = {
          secret: inherited.secret || property.secret === true || property.writeOnly === true,
          // A host-only setting is a security one: it is host-only because of who it lets act.
          security: inherited.security || hostOnly || property.security === true || BUILT_IN_SECURITY(moduleName, path),
          hostOnly,
        };
        if (isGroup(property)) walk(moduleName, property.properties!, path, marks);
        else specs.push({module: moduleName, path, key: `${moduleName}.${path}`, property, ...marks});
      }
    };
    for (const entry of this.modules.values()) {
      if (module && entry.module !== module) continue;
      walk(entry.module, (entry.schema.properties ?? {}) as Record<string, PropertySchema>, '', {
        secret: false,
        security: false,
        hostOnly: false,
      });
    }
    return specs;
  }

  /** Every SYSTEMPROMPT_<MODULE>_<KEY> variable that feeds a setting: one per top-level key of each schema. */
  envVariables(): EnvVariable[] {
    const variables: EnvVariable[] = [];
    const specs = this.settings();
    for (const entry of this.modules.values()) {
      for (const key of Object.keys(entry.schema.properties ?? {})) {
        const under = specs.filter(
          (spec) => spec.module === entry.module && (spec.path === key || spec.path.startsWith(`${key}.`)),
        );
        variables.push({
          name: envVariableFor(entry.module, key),
          module: entry.module,
          key,
          secret: under.some((spec) => spec.secret),
          security: under.some((spec) => spec.security),
        });
      }
    }
    return variables.sort((a, b) => a.name.localeCompare(b.name));
  }

  schemaOf(module: string): ModuleSchema {
    const entry = this.modules.get(module);
    if (!entry) {
      throw invalidInput(`Module "${module}" has no configuration`, {
        code: 'CONFIG_MODULE_UNKNOWN',
        hint: `Modules with configuration: ${[...this.modules.keys()].sort().join(', ') || 'none'}.`,
      });
    }
    return entry;
  }

  /** `module.path` to its setting; an unknown key is exit 2, naming the module's keys. */
  setting(key: string): SettingSpec {
    const dot = key.indexOf('.');
    if (dot <= 0)
      throw invalidInput(`"${key}" is not a configuration key (module.key, e.g. logger.level)`, {
        code: 'CONFIG_KEY_INVALID',
      });
    const module = key.slice(0, dot);
    this.schemaOf(module);
    const spec = this.settings(module).find((setting) => setting.key === key);
    if (!spec) {
      throw invalidInput(`Unknown configuration key ${key}`, {
        code: 'CONFIG_KEY_UNKNOWN',
        hint: `Keys of ${module}: ${this.settings(module)
          .map((setting) => setting.path)
          .join(', ')}.`,
      });
    }
    return spec;
  }
}

/**
 * A command-line string as the type the schema wants: `5` stays a number for an integer, `true` a
 * boolean, JSON for arrays and objects. Wrong shapes are exit 2 with the key and what is expected.
 */
export function parseSettingValue(spec: SettingSpec, raw: string): unknown {
  const types = typeOf(spec.property);
  const fail = (expected: string) =>
    invalidInput(`${spec.key}: "${raw}" is not ${expected}`, {
      code: 'CONFIG_VALUE_INVALID',
      details: {key: spec.key, path: `/${spec.path.replace(/\./g, '/')}`},
    });
  if (types.includes('integer') && !types.includes('string')) {
    if (!/^-?\d+$/.test(raw.trim())) throw fail('an integer');
    return Number(raw);
  }
  if (types.includes('number') && !types.includes('string')) {
    if (raw.trim() === '' || Number.isNaN(Number(raw))) throw fail('a number');
    return Number(raw);
  }
  if (types.includes('boolean') && !types.includes('string')) {
    if (/^(true|yes|on|1)$/i.test(raw)) return true;
    if (/^(false|no|off|0)$/i.test(raw)) return false;
    throw fail('a boolean (true or false)');
  }
  if (types.includes('array') || types.includes('object')) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw fail(`JSON (${types.join(' or ')})`);
    }
  }
  return raw;
}
