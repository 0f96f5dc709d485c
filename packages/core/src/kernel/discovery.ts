import {statSync} from 'node:fs';
import {join} from 'node:path';
import {type SystemPromptError, isSystemPromptError, unavailable} from '../errors.js';
import type {ModuleManifest} from '../generated/module-manifest.js';
import {ManifestCache} from '../manifest/cache.js';
import {MANIFEST_FILE, loadManifest} from '../manifest/load.js';

/** Where a module package came from: shipped with the app, installed by the user, or linked. */
export type ModuleSource = 'core' | 'user' | 'link';

/** What the kernel needs to know of an oclif plugin (the same list serves commands and runtime). */
export interface PluginDescriptor {
  name: string;
  version: string;
  root: string;
  type: string;
  pjson: {systemprompt?: {module?: string; configValidator?: string}};
}

export interface ModuleRecord {
  /** Module name from the manifest (the package name when the manifest could not be read). */
  name: string;
  packageName: string;
  version: string;
  root: string;
  source: ModuleSource;
  manifest?: ModuleManifest;
  /** Absolute path of the runtime entry whose default export is the module factory. */
  entry?: string;
  /** Absolute path of a precompiled validator of the module's config (else ajv compiles the schema). */
  configValidator?: string;
  /** Why the module cannot be loaded; the rest of the system keeps working without it. */
  error?: SystemPromptError;
  /** False when the operator disabled it (modules:disable): its commands refuse to run. */
  enabled: boolean;
}

const sourceOf = (type: string): ModuleSource => (type === 'user' ? 'user' : type === 'link' ? 'link' : 'core');

function unloadable(
  plugin: PluginDescriptor,
  message: string,
  problems?: string[],
  takenBy?: string,
): SystemPromptError {
  return unavailable(`Module package ${plugin.name} cannot be loaded: ${message}`, {
    code: takenBy ? 'MODULE_NAME_TAKEN' : 'MODULE_INVALID',
    details: {package: plugin.name, ...(problems ? {problems} : {}), ...(takenBy ? {takenBy} : {})},
    hint: `Run "systemprompt extension:validate ${plugin.root}" for every problem, or remove the package.`,
  });
}

/**
 * Finds the modules among the loaded plugins: a plugin with a module.yaml at its root is a module.
 * Invalid manifests become records with an `error` instead of failing discovery.
 */
export async function discoverModules(
  plugins: Iterable<PluginDescriptor>,
  cacheDirectory?: string,
  disabled: readonly string[] = [],
): Promise<ModuleRecord[]> {
  const cache = new ManifestCache(cacheDirectory);
  const records: ModuleRecord[] = [];
  const owners = new Map<string, string>();
  // oclif loads plugins concurrently, so its list is in no reliable order: the modules that come
  // with the CLI claim their names first, then installed and linked packages in the order given.
  const rank = (plugin: PluginDescriptor) => (sourceOf(plugin.type) === 'core' ? 0 : 1);
  for (const plugin of [...plugins].sort((a, b) => rank(a) - rank(b))) {
    const file = join(plugin.root, MANIFEST_FILE);
    const stat = statSync(file, {throwIfNoEntry: false});
    if (!stat) continue;
    const record: ModuleRecord = {
      name: plugin.name,
      packageName: plugin.name,
      version: plugin.version,
      root: plugin.root,
      source: sourceOf(plugin.type),
      enabled: true,
    };
    const key = `${stat.size}:${stat.mtimeMs}:${plugin.version}`;
    let cached = cache.get(plugin.root, key);
    if (!cached) {
      try {
        // The manifest's version is not compared with the package's here: a release bump must not
        // take a module offline. extension:validate reports the mismatch.
        cached = {key, manifest: await loadManifest(plugin.root)};
      } catch (error) {
        const problems = isSystemPromptError(error) ? (error.details?.problems as string[] | undefined) : undefined;
        cached = {
          key,
          error: {message: error instanceof Error ? error.message : String(error), ...(problems ? {problems} : {})},
        };
      }
      cache.set(plugin.root, cached);
    }
    if (cached.error) {
      record.error = unloadable(plugin, cached.error.message, cached.error.problems);
    } else if (cached.manifest) {
      record.manifest = cached.manifest;
      record.name = cached.manifest.name;
      const entry = plugin.pjson.systemprompt?.module;
      if (entry) record.entry = join(plugin.root, entry);
      else record.error = unloadable(plugin, 'package.json has no "systemprompt.module" entry');
      const validator = plugin.pjson.systemprompt?.configValidator;
      if (validator) record.configValidator = join(plugin.root, validator);
      const owner = owners.get(record.name);
      if (owner) {
        record.error = unloadable(plugin, `module name "${record.name}" is already used by ${owner}`, undefined, owner);
        // Known by its package name from here on: nothing that looks modules up by name (the kernel,
        // migrations, extension:remove) may take it for the module that owns the name.
        record.name = plugin.name;
      } else owners.set(record.name, plugin.name);
    }
    if (disabled.includes(record.name)) record.enabled = false;
    records.push(record);
  }
  await cache.save();
  return records;
}
