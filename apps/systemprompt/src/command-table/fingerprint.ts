import {lstatSync, statSync, type Stats} from 'node:fs';
import {isatty} from 'node:tty';

/** A path whose state the table depends on: a file (followed if a symbolic link) or a link itself. */
export interface TrackedPath {
  path: string;
  /** `link`: the directory entry itself (a node_modules entry that a reinstall replaces). */
  kind: 'file' | 'link';
}

const identity = (stats: Stats | undefined): string =>
  stats ? `${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}:${stats.ino}` : '-';

/** Size, modification and change times and inode of each path ("-" when absent): a few stat calls, no reading. */
export function pathStates(paths: readonly TrackedPath[]): string[] {
  return paths.map(({path, kind}) =>
    identity(kind === 'link' ? lstatSync(path, {throwIfNoEntry: false}) : statSync(path, {throwIfNoEntry: false})),
  );
}

export const sameStates = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((state, index) => state === b[index]);

/** Bumped when the table's layout or meaning changes: an older table is then rebuilt. */
export const TABLE_FORMAT = 1;

/** Variables that change what oclif loads or prints (directories, dev plugins, theme) or how lists sort. */
const ENVIRONMENT = [
  'SYSTEMPROMPT_HOME',
  'NODE_ENV',
  'SYSTEMPROMPT_DISABLE_THEME',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_COLLATE',
  'LC_MESSAGES',
];

/** Everything besides files that the table's content depends on. */
export function environmentKey(
  appRoot: string,
  directories: {cache: string; config: string; data: string},
  env: NodeJS.ProcessEnv = process.env,
): string {
  return JSON.stringify([
    TABLE_FORMAT,
    appRoot,
    process.version,
    process.platform,
    process.arch,
    directories,
    ENVIRONMENT.map((name) => env[name] ?? null),
  ]);
}

/**
 * Settings under which only oclif can answer: its debug output, its own switches (OCLIF_*), or the
 * table turned off (SYSTEMPROMPT_NO_COMMAND_TABLE=1, e.g. to compare both paths).
 */
export function tableBypassed(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.SYSTEMPROMPT_NO_COMMAND_TABLE || env.DEBUG || env.SYSTEMPROMPT_DEBUG) return true;
  return Object.keys(env).some((name) => name.startsWith('OCLIF_') && name !== 'OCLIF_COLUMNS');
}

/** How oclif lays out help here: its width (OCLIF_COLUMNS, else the terminal's, else 80) and whether stdout is a terminal. */
export interface HelpLayout {
  width: number;
  tty: boolean;
}

export function helpLayout(env: NodeJS.ProcessEnv = process.env): HelpLayout {
  // isatty(1) is what process.stdout.isTTY says, without creating process.stdout (1-2 ms).
  const tty = isatty(1);
  const fixed = Number.parseInt(env.OCLIF_COLUMNS ?? '', 10);
  if (fixed) return {width: fixed, tty};
  if (!tty) return {width: 80, tty};
  const [columns = 0] = process.stdout.getWindowSize();
  return {width: columns < 1 ? 80 : Math.max(columns, 40), tty};
}

export const layoutKey = (layout: HelpLayout): string => `${layout.tty ? 'tty' : 'pipe'}${layout.width}`;
