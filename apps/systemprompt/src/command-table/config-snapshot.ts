import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {isDeepStrictEqual} from 'node:util';
import type {Config, Interfaces} from '@oclif/core';
import {Plugin} from '@oclif/core/config';
import {environmentKey, pathStates, sameStates, tableBypassed, type TrackedPath} from './fingerprint.js';
import {cliDirectories, oclifStart, type CliDirectories} from './location.js';

// A snapshot of the plugins oclif's Config.load finds (each plugin's package.json, manifest, hooks,
// commands and place among the others), so that a command the command table does not answer runs
// without oclif reading and sorting every plugin's files again (~15 ms of a database command). oclif
// itself builds a command's Config from already loaded plugins (Config.load with `plugins`, which every
// Command.run does once more); the snapshot only hands it plugins rebuilt from their recorded fields.
// It is never stale: like the table it records every file those plugins were read from and its state,
// and the environment; a change sends the command to a full load, which writes a new snapshot.

/** Bumped when the snapshot's layout or meaning changes. */
const SNAPSHOT_FORMAT = 1;

export interface SnapshotHeader {
  format: number;
  /** environmentKey() when the snapshot was made. */
  environment: string;
  /** The oclif that loaded the plugins (its Plugin's `_base`): another one may shape plugins otherwise. */
  oclif: string;
  tracked: TrackedPath[];
  states: string[];
  /** False when a plugin rebuilt from the snapshot would differ from the loaded one: oclif then loads, until files change. */
  usable: boolean;
}

/** What a plugin is, as far as oclif's Config and commands read it (all JSON), and how it relates to the others. */
export interface PluginRecord {
  fields: Record<string, unknown>;
  options: Record<string, unknown>;
  /** Keys of `fields` and `options` set to undefined (JSON drops them; oclif sets some, e.g. the root plugin's `pjson` option). */
  unset: {fields: string[]; options: string[]};
  parent?: string;
  optionsParent?: string;
  children: string[];
  /** Its commands' ids in the order oclif sorted them (String.localeCompare, under the recorded environment). */
  commands: string[];
}

/** What a Plugin holds besides plain data: rebuilt from the rest (functions, references to other plugins). */
const REBUILT = new Set(['_debug', 'commands', 'parent', 'children', 'options']);

export const snapshotFile = (directories: CliDirectories): string => join(directories.cache, 'oclif-plugins');

/**
 * What oclif is told to load for this run: a current snapshot's plugins; nothing when oclif must read
 * them itself (no snapshot can be used here); or, for a missing or stale snapshot, what bin/run.js
 * hands build.js to make it again from the config this run loads (build.js is not imported here: it
 * loads most of the app).
 */
export function configForRun(appRoot: string): {loadOptions?: Interfaces.LoadOptions; rebuild?: SnapshotRequest} {
  if (tableBypassed()) return {};
  try {
    return snapshotForRun(appRoot);
  } catch {
    // Whatever went wrong (a file that cannot be examined...), oclif reads the plugins itself.
    return {};
  }
}

function snapshotForRun(appRoot: string): {loadOptions?: Interfaces.LoadOptions; rebuild?: SnapshotRequest} {
  const directories = cliDirectories();
  const file = snapshotFile(directories);
  const environment = environmentKey(appRoot, directories);
  const snapshot = readSnapshot(file);
  // Measured before oclif loads anything, so a snapshot made from what it loads is never newer than its states.
  const states = snapshot ? pathStates(snapshot.header.tracked) : undefined;
  if (
    snapshot &&
    states &&
    snapshot.header.environment === environment &&
    snapshot.header.oclif === oclifBase() &&
    sameStates(snapshot.header.states, states)
  ) {
    if (!snapshot.header.usable || !snapshot.plugins) return {};
    try {
      return {
        loadOptions: {
          root: oclifStart(appRoot),
          plugins: restorePlugins(JSON.parse(snapshot.plugins) as PluginRecord[]),
        },
      };
    } catch {
      // A damaged snapshot: made again.
    }
  }
  return {
    rebuild: {
      appRoot,
      file,
      environment,
      previous: snapshot && states ? {tracked: snapshot.header.tracked, states} : undefined,
    },
  };
}

/** The snapshot's header and its plugins' text (parsed only when the header says they are current). */
function readSnapshot(file: string): {header: SnapshotHeader; plugins: string | undefined} | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    const end = text.indexOf('\n');
    const header = JSON.parse(end < 0 ? text : text.slice(0, end)) as SnapshotHeader;
    if (header.format !== SNAPSHOT_FORMAT) return undefined;
    return {header, plugins: end < 0 ? undefined : text.slice(end + 1)};
  } catch {
    // None yet, or unreadable: made again.
    return undefined;
  }
}

/** The `_base` oclif gives every Plugin (`@oclif/core@<version>`). */
const oclifBase = (): string => (new Plugin({root: ''}) as unknown as {_base: string})._base;

/** A loaded oclif Plugin, as the snapshot reads and writes it (its debug function is protected in oclif's type). */
type PluginObject = Omit<Plugin, 'options'> & {_debug: unknown; options: Record<string, unknown>};
type DebugFactory = (...scope: string[]) => unknown;

let makeDebug: DebugFactory | undefined;
/** oclif's own factory of a plugin's debug function (config/util.js, which oclif does not export). */
function pluginDebug(name: string): unknown {
  if (!makeDebug) {
    const requireHere = createRequire(import.meta.url);
    const oclifRoot = dirname(requireHere.resolve('@oclif/core/package.json'));
    makeDebug = (requireHere(join(oclifRoot, 'lib', 'config', 'util.js')) as {makeDebug: DebugFactory}).makeDebug;
  }
  return makeDebug(name);
}

/** The plugins as oclif's plugin loader leaves them, in the recorded order (the root plugin first). */
export function restorePlugins(records: readonly PluginRecord[]): Map<string, Interfaces.Plugin> {
  const plugins = new Map<string, PluginObject>();
  for (const record of records) {
    const options = {...record.options, ...unset(record.unset.options)};
    const plugin = Object.assign(
      new Plugin(options as unknown as Interfaces.PluginOptions),
      record.fields,
      unset(record.unset.fields),
    ) as unknown as PluginObject;
    plugin._debug = pluginDebug(plugin.name);
    plugins.set(plugin.name, plugin);
  }
  const named = (name: string) => {
    const plugin = plugins.get(name);
    if (!plugin) throw new Error(`The plugin snapshot names ${name} but does not hold it`);
    return plugin;
  };
  for (const record of records) {
    const plugin = named(record.fields.name as string);
    if (record.parent !== undefined) plugin.parent = named(record.parent) as unknown as Plugin;
    if (record.optionsParent !== undefined) plugin.options.parent = named(record.optionsParent);
    plugin.children = record.children.map(named) as unknown as Plugin[];
    // As Plugin.load makes them from the manifest.
    const manifest = plugin.manifest.commands;
    plugin.commands = record.commands.map((id) => ({
      ...manifest[id]!,
      load: async () => plugin.findCommand(id, {must: true}),
      pluginAlias: plugin.alias,
      pluginType: manifest[id]!.pluginType === 'jit' ? 'jit' : plugin.type,
    }));
  }
  return plugins as unknown as Map<string, Interfaces.Plugin>;
}

/**
 * The loaded plugins as records, or null when plugins rebuilt from them would not be the same: a
 * field that is not plain data (an oclif that keeps more in a plugin), or anything lost on the way.
 */
export function recordPlugins(config: Config): PluginRecord[] | null {
  const live = config.getPluginsList() as unknown as PluginObject[];
  // Config.load takes the first of the plugins it is given as the root when none has its start's path.
  if (!live[0]?.isRoot) return null;
  const records: PluginRecord[] = [];
  for (const plugin of live) {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(plugin)) {
      if (REBUILT.has(key)) continue;
      if (typeof value === 'function') return null;
      fields[key] = value;
    }
    const {parent: optionsParent, ...options} = plugin.options;
    records.push({
      fields,
      options,
      unset: {fields: unsetKeys(fields), options: unsetKeys(options)},
      ...(plugin.parent ? {parent: plugin.parent.name} : {}),
      ...(optionsParent ? {optionsParent: (optionsParent as Interfaces.Plugin).name} : {}),
      children: (plugin.children ?? []).map((child) => child.name),
      commands: plugin.commands.map((command) => command.id),
    });
  }
  const recorded = JSON.parse(JSON.stringify(records)) as PluginRecord[];
  try {
    const restored = [...restorePlugins(recorded).values()] as unknown as PluginObject[];
    return restored.length === live.length &&
      live.every((plugin, index) => isDeepStrictEqual(comparable(plugin), comparable(restored[index]!)))
      ? recorded
      : null;
  } catch {
    return null;
  }
}

const unsetKeys = (object: Record<string, unknown>): string[] =>
  Object.keys(object).filter((key) => object[key] === undefined);
const unset = (keys: readonly string[]): Record<string, undefined> =>
  Object.fromEntries(keys.map((key) => [key, undefined]));

/** A plugin as data: its own fields, other plugins by name, commands without their load functions. */
function comparable(plugin: PluginObject): unknown {
  const {_debug: debug, commands, parent, children, options, ...fields} = plugin;
  const {parent: optionsParent, ...rest} = options ?? {};
  return {
    fields,
    debug: typeof debug,
    commands: commands.map(({load, ...command}) => ({...command, load: typeof load})),
    parent: parent?.name,
    children: (children ?? []).map((child) => child.name),
    options: {...rest, parent: (optionsParent as Interfaces.Plugin | undefined)?.name},
    prototype: Object.getPrototypeOf(plugin),
  };
}

export interface SnapshotRequest {
  appRoot: string;
  file: string;
  environment: string;
  /** The previous snapshot's files and their states measured now, before oclif loads anything. */
  previous: {tracked: TrackedPath[]; states: string[]} | undefined;
}

/** The snapshot file's text. */
export function encodeSnapshot(
  header: Omit<SnapshotHeader, 'format' | 'oclif' | 'usable'>,
  records: PluginRecord[] | null,
): string {
  const full: SnapshotHeader = {format: SNAPSHOT_FORMAT, ...header, oclif: oclifBase(), usable: records !== null};
  return `${JSON.stringify(full)}\n${records ? JSON.stringify(records) : ''}`;
}
