/**
 * Who runs a CLI process, and the access decision over it, for code that is not a
 * SystemPromptCommand (oclif hooks guarding oclif's own plugins:* commands). The command base does the
 * same through its members; these functions are the shared form of that logic.
 */
import {LOCAL_ADMIN, type AccessProvider, type Actor, type IdentityProvider} from '../actor.js';
import {ensurePrivateDirectory} from '../fs-atomic.js';
import {resolveSystemPaths, type SystemPaths} from '../paths.js';
import {discoverModules, type ModuleRecord, type PluginDescriptor} from './discovery.js';
import {Kernel} from './kernel.js';
import type {MetricsBackend} from '../metrics.js';
import {readModuleState} from './module-state.js';

/** The parts of oclif's Config these functions read (so callers need not import oclif's types). */
export interface CliConfigLike {
  configDir: string;
  dataDir: string;
  cacheDir: string;
  getPluginsList(): unknown[];
}

/** The installation's directories and modules as a CLI command sees them (disabled modules marked). */
export async function cliModules(config: CliConfigLike): Promise<{paths: SystemPaths; modules: ModuleRecord[]}> {
  const paths = resolveSystemPaths({configDir: config.configDir, dataDir: config.dataDir, cacheDir: config.cacheDir});
  const modules = await discoverModules(
    config.getPluginsList() as PluginDescriptor[],
    paths.cache,
    readModuleState(paths.config).disabled,
  );
  return {paths, modules};
}

/**
 * A kernel over the modules with their layered configuration (schema defaults < config.yaml <
 * environment and env file < runtime settings), as the command base builds it. The caller stops it.
 */
export async function createCliKernel(options: {
  modules: ModuleRecord[];
  paths: SystemPaths;
  onWarning?: (message: string) => void;
  verbose?: boolean;
  metrics?: MetricsBackend;
}): Promise<Kernel> {
  // Imported here: the configuration code is only needed once a kernel is built.
  const {readConfigLayers, layerModuleConfig, SecretBox} = await import('../config/index.js');
  const {paths, verbose} = options;
  await Promise.all([paths.config, paths.data, paths.cache].map((directory) => ensurePrivateDirectory(directory)));
  const layers = await readConfigLayers(paths.config);
  const secrets = new SecretBox(paths.config);
  return new Kernel({
    modules: options.modules,
    paths,
    ...(options.onWarning ? {onWarning: options.onWarning} : {}),
    ...(options.metrics ? {metrics: options.metrics} : {}),
    configValues: async (record) => ({
      ...(await layerModuleConfig(record.name, record.manifest?.config, layers, secrets)).values,
      ...(verbose && record.manifest?.provides?.includes('logger') ? {consoleLevel: 'debug'} : {}),
    }),
  });
}

/**
 * The actor of a CLI process: the module that `provides: [identity]` decides (session file,
 * SYSTEMPROMPT_API_KEY, or the local operator under auth.localTrust); with no such module, the local
 * operator.
 */
export async function resolveCliActor(kernel: Kernel, env: NodeJS.ProcessEnv = process.env): Promise<Actor> {
  const provider = kernel.modules.find((record) => !record.error && record.manifest?.provides?.includes('identity'));
  if (!provider) return LOCAL_ADMIN;
  await kernel.boot([provider.name]);
  return kernel.service<IdentityProvider>(provider.name).resolveCliActor({env});
}

export interface CliAccess {
  actor: Actor;
  access: AccessProvider;
  /** Stops the kernel that serves the access decision (closes the database). */
  close(): Promise<void>;
}

/** The actor of this CLI process and the access decision, from a kernel of its own (close it after use). */
export async function openCliAccess(
  config: CliConfigLike,
  options: {env?: NodeJS.ProcessEnv; onWarning?: (message: string) => void} = {},
): Promise<CliAccess> {
  const kernel = await createCliKernel({
    ...(await cliModules(config)),
    ...(options.onWarning ? {onWarning: options.onWarning} : {}),
  });
  try {
    const actor = await resolveCliActor(kernel, options.env);
    const access = await kernel.access();
    return {actor, access, close: () => kernel.stop()};
  } catch (error) {
    await kernel.stop().catch(() => undefined);
    throw error;
  }
}
