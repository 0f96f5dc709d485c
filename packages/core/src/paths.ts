import {join} from 'node:path';
import {homedir} from 'node:os';
import type {ModulePaths} from './module.js';

/** Where SystemPrompt OS keeps its configuration, durable data and disposable cache. */
export interface SystemPaths {
  home: string | undefined;
  config: string;
  data: string;
  cache: string;
}

export interface DirectoryDefaults {
  configDir: string;
  dataDir: string;
  cacheDir: string;
}

/**
 * `SYSTEMPROMPT_HOME` puts everything under one directory (config/, data/, cache/); otherwise the
 * XDG directories that oclif computes for the CLI are used.
 */
export function resolveSystemPaths(defaults?: DirectoryDefaults, env: NodeJS.ProcessEnv = process.env): SystemPaths {
  const home = env.SYSTEMPROMPT_HOME?.trim();
  if (home) return {home, config: join(home, 'config'), data: join(home, 'data'), cache: join(home, 'cache')};
  if (defaults) return {home: undefined, config: defaults.configDir, data: defaults.dataDir, cache: defaults.cacheDir};
  const xdg = (variable: string, fallback: string) => join(env[variable] || join(homedir(), fallback), 'systemprompt');
  return {
    home: undefined,
    config: xdg('XDG_CONFIG_HOME', '.config'),
    data: xdg('XDG_DATA_HOME', '.local/share'),
    cache: xdg('XDG_CACHE_HOME', '.cache'),
  };
}

export function modulePaths(paths: SystemPaths, moduleName: string): ModulePaths {
  return {
    data: join(paths.data, 'modules', moduleName),
    config: join(paths.config, 'modules', moduleName),
    cache: join(paths.cache, 'modules', moduleName),
  };
}
