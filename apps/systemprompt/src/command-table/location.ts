import {homedir} from 'node:os';
import {join} from 'node:path';

export interface CliDirectories {
  cache: string;
  config: string;
  data: string;
}

const DIRNAME = 'systemprompt';

/**
 * oclif's cache, config and data directories of the CLI, worked out as its Config does
 * (SYSTEMPROMPT_*_DIR, then XDG_*_HOME, then the home directory; the cache under ~/Library/Caches on
 * macOS) without loading it. The builder compares them with oclif's own and writes no table when
 * they differ, so a difference can only leave the table unused.
 */
export function cliDirectories(env: NodeJS.ProcessEnv = process.env): CliDirectories {
  const home = env.HOME || homedir();
  const base = (category: string, fallback: string) =>
    join(
      env[`XDG_${category.toUpperCase()}_HOME`] ||
        (process.platform === 'win32' && env.LOCALAPPDATA) ||
        join(home, fallback),
      DIRNAME,
    );
  return {
    cache:
      env.SYSTEMPROMPT_CACHE_DIR ||
      (process.platform === 'darwin' ? join(home, 'Library', 'Caches', DIRNAME) : base('cache', '.cache')),
    config: env.SYSTEMPROMPT_CONFIG_DIR || base('config', '.config'),
    data: env.SYSTEMPROMPT_DATA_DIR || base('data', '.local/share'),
  };
}

export const commandTableFile = (directories: CliDirectories): string => join(directories.cache, 'command-table');

/**
 * What oclif is started from: bin/run.js hands oclif its own path, which becomes the root plugin's
 * `options.root` (plugins --json shows it). Configs the table's builder loads, and plugins from the
 * snapshot, start from the same, so that nothing of a command's config tells how it was loaded.
 */
export const oclifStart = (appRoot: string): string => join(appRoot, 'bin', 'run.js');
