import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {invalidInput, unavailable} from '../errors.js';
import {writeFileAtomic} from '../fs-atomic.js';
import {configFromEnv} from '../manifest/env-config.js';
import {flatten, getPath, setPath} from './paths.js';
import {isEncrypted, secretPaths, type SecretBox} from './secrets.js';

/** Where a configuration value came from, lowest precedence first. */
export type ConfigSource = 'default' | 'file' | 'env' | 'runtime';

export const CONFIG_FILE = 'config.yaml';
export const ENV_FILE = 'systemprompt.env';
export const RUNTIME_CACHE_FILE = 'runtime-config.json';

type Values = Record<string, Record<string, unknown>>;

/** The runtime layer as last written by the config module: the database holds it and its history. */
export interface RuntimeCache {
  version: number;
  values: Values;
}

/** A file's text; undefined when it does not exist. Any other failure (permission, a directory) names the file. */
const readText = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unavailable(`Cannot read ${file}: ${(error as Error).message.replace(/^[A-Z]+: /, '')}`, {
      code: 'CONFIG_FILE_UNREADABLE',
      hint: 'Check that it is a file its owner can read (chmod 600), or remove it.',
      cause: error,
    });
  }
};

/** `<config>/config.yaml`: `{module: {key: value}}`. YAML is parsed only when the file exists. */
export async function readConfigFile(configDirectory: string): Promise<Values> {
  const file = join(configDirectory, CONFIG_FILE);
  const text = readText(file);
  if (text === undefined || text.trim() === '') return {};
  const {parse} = await import('yaml');
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw invalidInput(`${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, {
      code: 'CONFIG_FILE_INVALID',
    });
  }
  if (data === null || data === undefined) return {};
  if (
    typeof data !== 'object' ||
    Array.isArray(data) ||
    Object.values(data).some((value) => value === null || typeof value !== 'object' || Array.isArray(value))
  ) {
    throw invalidInput(`${file} must map module names to their settings (e.g. "logger: {level: debug}")`, {
      code: 'CONFIG_FILE_INVALID',
    });
  }
  return data as Values;
}

/** `<config>/systemprompt.env`: `SYSTEMPROMPT_*=value` lines (# comments, optional quotes). */
export function readEnvFile(configDirectory: string): Record<string, string> {
  const text = readText(join(configDirectory, ENV_FILE));
  const values: Record<string, string> = {};
  for (const line of (text ?? '').split('\n')) {
    const match = /^\s*(?:export\s+)?(SYSTEMPROMPT_[A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    const raw = match[2]!;
    values[match[1]!] = /^(["']).*\1$/.test(raw) ? raw.slice(1, -1) : raw;
  }
  return values;
}

export function readRuntimeCache(configDirectory: string): RuntimeCache {
  const text = readText(join(configDirectory, RUNTIME_CACHE_FILE));
  if (!text) return {version: 0, values: {}};
  try {
    const cache = JSON.parse(text) as RuntimeCache;
    return {version: Number(cache.version) || 0, values: cache.values ?? {}};
  } catch {
    return {version: 0, values: {}};
  }
}

export async function writeRuntimeCache(configDirectory: string, cache: RuntimeCache): Promise<void> {
  await writeFileAtomic(join(configDirectory, RUNTIME_CACHE_FILE), `${JSON.stringify(cache, null, 2)}\n`, {
    mode: 0o600,
  });
}

/** Everything the layers of every module come from, read once per command. */
export interface ConfigLayerInputs {
  file: Values;
  /** The env file under the process environment (the process wins). */
  env: Record<string, string | undefined>;
  runtime: Values;
}

export async function readConfigLayers(
  configDirectory: string,
  processEnv: NodeJS.ProcessEnv = process.env,
): Promise<ConfigLayerInputs> {
  return {
    file: await readConfigFile(configDirectory),
    env: {...readEnvFile(configDirectory), ...processEnv},
    runtime: readRuntimeCache(configDirectory).values,
  };
}

export interface LayeredConfig {
  /** file < env < runtime, without defaults (the schema validator fills those in). */
  values: Record<string, unknown>;
  /** For each leaf (dot path) set by a layer, the layer that won. */
  sources: Record<string, Exclude<ConfigSource, 'default'>>;
}

/**
 * Keys of a config schema marked `hostOnly: true` (a group marks every key under it), as dot paths:
 * settings such as auth.localTrust that only this host's own sources (config.yaml, the environment,
 * the env file) may give, never the runtime layer, which lives in a database other hosts share.
 */
export function hostOnlyPaths(schema: Record<string, unknown> | undefined, prefix = ''): string[] {
  const properties = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(properties).flatMap(([key, property]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (property.hostOnly === true) return [path];
    return property.type === 'object' ? hostOnlyPaths(property, path) : [];
  });
}

/** Whether `path` is one of `paths` or lies under one. */
const within = (path: string, paths: readonly string[]) =>
  paths.some((prefix) => path === prefix || path.startsWith(`${prefix}.`));

/**
 * A module's values from the file, environment and runtime layers; runtime secrets are decrypted.
 * Host-only keys ignore the runtime layer whatever it holds (a value written there by hand included).
 */
export async function layerModuleConfig(
  moduleName: string,
  schema: Record<string, unknown> | undefined,
  inputs: ConfigLayerInputs,
  secrets?: SecretBox,
): Promise<LayeredConfig> {
  const values: Record<string, unknown> = {};
  const sources: LayeredConfig['sources'] = {};
  const layers: Array<[Exclude<ConfigSource, 'default'>, Record<string, unknown>]> = [
    ['file', inputs.file[moduleName] ?? {}],
    ['env', configFromEnv(moduleName, schema, inputs.env)],
    ['runtime', inputs.runtime[moduleName] ?? {}],
  ];
  const hostOnly = hostOnlyPaths(schema);
  // Merged leaf by leaf: a runtime `a.b` overrides the file's `a.b` and keeps the file's `a.c`.
  for (const [source, layer] of layers) {
    for (const [path, value] of flatten(layer)) {
      if (source === 'runtime' && within(path, hostOnly)) continue;
      setPath(values, path, structuredClone(value));
      sources[path] = source;
    }
  }
  for (const [path, value] of flatten(values)) {
    if (isEncrypted(value)) {
      if (!secrets) throw invalidInput(`Secret ${moduleName}.${path} cannot be read here`, {code: 'SECRET_UNREADABLE'});
      setPath(values, path, await secrets.decrypt(value));
    }
  }
  return {values, sources};
}

/** A copy with every secret value of the schema replaced by the mask. */
export function maskSecrets(
  values: Record<string, unknown>,
  schema: Record<string, unknown> | undefined,
  mask: string,
): Record<string, unknown> {
  const copy = structuredClone(values);
  for (const path of secretPaths(schema)) if (getPath(copy, path) !== undefined) setPath(copy, path, mask);
  return copy;
}
