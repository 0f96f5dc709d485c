import {mkdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {stringify} from 'yaml';
import {discoverModules, type ModuleRecord, type PluginDescriptor} from '../../../src/kernel/discovery.js';

/**
 * Module packages written at runtime into a temporary directory. Each entry (`module.mjs`) records
 * every lifecycle call as "<name>:<phase>" in `globalThis.__calls`, and runs the hooks that a test
 * puts in `globalThis.__hooks[<name>]`.
 */
export interface ModuleHooks {
  initialize?: (context: any) => unknown;
  start?: () => unknown;
  stop?: () => unknown;
  healthCheck?: () => unknown;
}

export interface FixtureModule {
  name: string;
  /** Package name; defaults to `@fixtures/<name>`. */
  packageName?: string;
  version?: string;
  /** More module.yaml properties (dependencies, provides, config, ...). */
  manifest?: Record<string, unknown>;
  /** Raw module.yaml text, instead of the generated manifest. */
  manifestText?: string;
  /** Source of module.mjs, instead of the recording entry. */
  entrySource?: string;
  /** package.json `systemprompt.module`; null leaves it out. */
  entry?: string | null;
}

export const calls = (): string[] => ((globalThis as any).__calls ??= []) as string[];

/** Forgets the recorded calls (the hooks stay). */
export function resetCalls(): void {
  (globalThis as any).__calls = [];
}

/** Forgets the recorded calls and the hooks. */
export function resetModules(): void {
  (globalThis as any).__calls = [];
  (globalThis as any).__hooks = {};
}

export function setHooks(name: string, hooks: ModuleHooks): void {
  ((globalThis as any).__hooks ??= {})[name] = hooks;
}

export const recordingEntry = (name: string, version = '1.0.0', type = 'service'): string => `
const NAME = ${JSON.stringify(name)};
const hooks = () => (globalThis.__hooks ?? {})[NAME] ?? {};
const record = (phase) => (globalThis.__calls ??= []).push(NAME + ':' + phase);
export default () => ({
  name: NAME,
  version: ${JSON.stringify(version)},
  type: ${JSON.stringify(type)},
  async initialize(context) { record('initialize'); await hooks().initialize?.(context); },
  async start() { record('start'); await hooks().start?.(); },
  async stop() { record('stop'); await hooks().stop?.(); },
  async healthCheck() { record('healthCheck'); return hooks().healthCheck ? hooks().healthCheck() : {healthy: true}; },
});
`;

/** Writes one module package; returns the plugin descriptor that discovery reads. */
export async function writeModule(directory: string, module: FixtureModule): Promise<PluginDescriptor> {
  const packageName = module.packageName ?? `@fixtures/${module.name}`;
  const version = module.version ?? '1.0.0';
  const root = join(directory, 'packages', packageName.replace(/[@/]/g, '_'));
  await mkdir(root, {recursive: true});
  const manifest = {
    name: module.name,
    version,
    type: 'service',
    description: `The ${module.name} module`,
    ...module.manifest,
  };
  await writeFile(join(root, 'module.yaml'), module.manifestText ?? stringify(manifest));
  const entry = module.entry === undefined ? './module.mjs' : module.entry;
  const pjson = {
    name: packageName,
    version,
    type: 'module',
    ...(entry === null ? {} : {systemprompt: {module: entry}}),
  };
  await writeFile(join(root, 'package.json'), JSON.stringify(pjson, null, 2));
  await writeFile(join(root, 'module.mjs'), module.entrySource ?? recordingEntry(module.name, version));
  return {name: packageName, version, root, type: 'core', pjson};
}

/** Writes every module and discovers them (with the manifest cache in `<directory>/cache`). */
export async function discoverFixtures(directory: string, modules: FixtureModule[]): Promise<ModuleRecord[]> {
  const plugins: PluginDescriptor[] = [];
  for (const module of modules) plugins.push(await writeModule(directory, module));
  return discoverModules(plugins, join(directory, 'cache'));
}
