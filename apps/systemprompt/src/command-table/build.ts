import {accessSync, constants, readFileSync, readdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Interfaces} from '@oclif/core';
import {Config} from '@oclif/core/config';
import {getHelpFlagAdditions} from '@oclif/core/help';
import {COMMAND_LIST_SPEC} from '@systemprompt/cli/catalog';
import {applyListQuery, parseListQuery, resolveSystemPaths, writeFileAtomic} from '@systemprompt/core';
import type {RebuildRequest} from './answer.js';
import {encodeSnapshot, recordPlugins, restorePlugins, snapshotFile, type SnapshotRequest} from './config-snapshot.js';
import {helpLayout, layoutKey, pathStates, sameStates, type TrackedPath} from './fingerprint.js';
import {cliDirectories, oclifStart} from './location.js';
import {CommandTable, encodeCommandTable, type TableContent, type TableHeader} from './table-file.js';
import {answerableCommands, helpTexts} from './table-content.js';

/** Where oclif would find a plugin's configuration when its package.json has no "oclif" section (lilconfig). */
const RC_FILES = [
  '.oclifrc',
  '.oclifrc.json',
  '.oclifrc.js',
  '.oclifrc.mjs',
  '.oclifrc.cjs',
  'oclif.config.js',
  'oclif.config.mjs',
  'oclif.config.cjs',
];
/** Hooks that run around the commands the table answers; only the app's own (no-ops unless the command is plugins:*) are known. */
const HOOKS_AROUND_COMMANDS = ['init', 'preparse', 'prerun', 'postrun', 'finally', 'command_incomplete'];
const HERE = dirname(fileURLToPath(import.meta.url));
const BUNDLE = join(HERE, '..', 'bundle');

/**
 * Loads oclif's config for this run and writes from it the command table later runs answer from (and
 * the plugin snapshot, config-snapshot.ts), then returns what oclif runs this command with: the plugins
 * as loaded (rebuilt from their records: the table's build loads commands into them), else that config.
 * The table is written only when none of the files it is built from changed between the moment before
 * the load and the end of the build, so its recorded states never describe files newer than its
 * content. Undefined when oclif could not load: oclif then loads again and says why.
 */
export async function rebuildCommandTable(
  request: RebuildRequest,
): Promise<Config | Interfaces.LoadOptions | undefined> {
  // Where no table can be written, building one would only slow every such command down.
  if (!writableDirectory(dirname(request.file))) return undefined;
  return withTrackedConfig(
    request.appRoot,
    request.previous,
    `the command table (${request.file})`,
    async ({config, tracked, before, clean}) => {
      // Recorded before the table's build loads commands into the plugins.
      const records = clean && sameDirectories(config) && commandsAreTracked(config) ? recordPlugins(config) : null;
      const content = await tableContent(config, request, tracked, before, clean);
      // A file changed while the table was built: the next run builds it again.
      if (sameStates(pathStates(tracked), before)) {
        if (content) await writeQuietly(request.file, encodeCommandTable(content));
        if (sameDirectories(config))
          await writeQuietly(
            snapshotFile(cliDirectories()),
            encodeSnapshot({environment: request.environment, tracked, states: before}, records),
          );
      }
      // The command runs with the plugins as loaded, not as the table's build left them (commands loaded, directories found).
      return records ? {root: oclifStart(request.appRoot), plugins: restorePlugins(records)} : undefined;
    },
  );
}

/**
 * Loads oclif's config for this run and writes from it the plugin snapshot later runs start from
 * (config-snapshot.ts), on the same terms as the table; returns that config for oclif to run with.
 */
export async function rebuildConfigSnapshot(
  request: SnapshotRequest,
): Promise<Config | Interfaces.LoadOptions | undefined> {
  if (!writableDirectory(dirname(request.file))) return undefined;
  return withTrackedConfig(
    request.appRoot,
    request.previous,
    `the plugin snapshot (${request.file})`,
    async ({config, tracked, before, clean}) => {
      // The snapshot is read from where this process thinks oclif's cache is: it must be where oclif keeps it.
      if (!sameDirectories(config)) return undefined;
      const records = clean && commandsAreTracked(config) ? recordPlugins(config) : null;
      if (sameStates(pathStates(tracked), before))
        await writeQuietly(
          request.file,
          encodeSnapshot({environment: request.environment, tracked, states: before}, records),
        );
      return undefined;
    },
  );
}

interface TrackedConfig {
  config: Config;
  tracked: TrackedPath[];
  /** The states of `tracked` from before oclif read them. */
  before: string[];
  /** Loaded without a warning. */
  clean: boolean;
}

/**
 * oclif's config for this run, handed to `use` with the files it was read from and their states
 * measured before it read them (those of the previous table or snapshot, measured first, when it
 * tracked the same files; else measured after a first load, and the config loaded again). Returns the
 * config (or what `use` gives instead), or undefined when oclif could not load (oclif loads again to run
 * the command and says what is wrong). A failure of `use` is a warning: the command still runs with the
 * config, later ones stay slow until it works.
 */
async function withTrackedConfig(
  appRoot: string,
  previous: RebuildRequest['previous'],
  what: string,
  use: (loaded: TrackedConfig) => Promise<Interfaces.LoadOptions | undefined>,
): Promise<Config | Interfaces.LoadOptions | undefined> {
  const warnings: unknown[] = [];
  const onWarning = (warning: unknown) => warnings.push(warning);
  process.on('warning', onWarning);
  try {
    const load = async () => {
      const config = await Config.load(oclifStart(appRoot));
      // oclif reports plugin problems through process.emitWarning, which emits on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      return config;
    };
    let config: Config;
    try {
      config = await load();
    } catch {
      return undefined;
    }
    try {
      const tracked = trackedPaths(config);
      let before = previous && sameTracked(previous.tracked, tracked) ? previous.states : undefined;
      if (!before) {
        // No states from before this load: measure now and load again, unless nothing will be written from it.
        before = pathStates(tracked);
        if (warnings.length === 0) {
          config = await load();
          if (!sameTracked(trackedPaths(config), tracked)) return config;
        }
      }
      return (await use({config, tracked, before, clean: warnings.length === 0})) ?? config;
    } catch (error) {
      process.stderr.write(
        `Warning: ${what} was not rebuilt: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
    return config;
  } finally {
    process.off('warning', onWarning);
  }
}

/** Whether oclif's directories are those this process works out without it (cliDirectories), where the table and snapshot are read from. */
function sameDirectories(config: Config): boolean {
  const directories = cliDirectories();
  return (
    config.cacheDir === directories.cache &&
    config.configDir === directories.config &&
    config.dataDir === directories.data
  );
}

/** Whether a file can be created in `directory`, or in the nearest existing directory above it (which would hold it). */
function writableDirectory(directory: string): boolean {
  for (let current = directory; ; current = dirname(current)) {
    try {
      accessSync(current, constants.W_OK | constants.X_OK);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(current) === current) return false;
    }
  }
}

async function writeQuietly(file: string, content: string | Buffer): Promise<void> {
  try {
    await writeFileAtomic(file, content);
  } catch {
    // A read-only or full cache directory only costs speed: every command then goes through oclif.
  }
}

/** The files oclif reads to know the commands: each plugin's package.json, manifest and module.yaml, the user plugin list, module switches, the theme. */
function trackedPaths(config: Config): TrackedPath[] {
  const paths = resolveSystemPaths({configDir: config.configDir, dataDir: config.dataDir, cacheDir: config.cacheDir});
  const files = new Set([
    join(config.dataDir, 'package.json'),
    join(paths.config, 'modules.json'),
    join(config.configDir, 'theme.json'),
  ]);
  const links = new Set<string>();
  for (const plugin of config.getPluginsList()) {
    for (const name of ['package.json', 'oclif.manifest.json', 'module.yaml']) files.add(join(plugin.root, name));
    // oclif reads .oclif.manifest.json only when there is no oclif.manifest.json (whose state then changes).
    if (!plugin.hasManifest) files.add(join(plugin.root, '.oclif.manifest.json'));
    if (!plugin.valid) for (const name of RC_FILES) files.add(join(plugin.root, name));
    // A reinstalled or relinked package replaces its node_modules entry.
    if (!plugin.isRoot && plugin.type !== 'link')
      links.add(
        join(
          plugin.parent?.root ?? (plugin.type === 'user' ? config.dataDir : config.root),
          'node_modules',
          plugin.name,
        ),
      );
  }
  // This code itself, and its bundle: a rebuilt app may read or build tables differently.
  for (const directory of [HERE, BUNDLE, join(BUNDLE, 'command-table')]) {
    for (const name of readdirSync(directory, {withFileTypes: true}))
      if (name.isFile() && name.name.endsWith('.js')) files.add(join(directory, name.name));
  }
  // Sorted: oclif loads plugins concurrently, so its plugin list comes in no fixed order.
  return [
    ...[...files].sort().map((path) => ({path, kind: 'file' as const})),
    ...[...links].sort().map((path) => ({path, kind: 'link' as const})),
  ];
}

const sameTracked = (a: readonly TrackedPath[], b: readonly TrackedPath[]) =>
  a.length === b.length && a.every((entry, index) => entry.path === b[index]!.path && entry.kind === b[index]!.kind);

/** Whether every plugin's commands come from files that are tracked: a manifest (or no commands at all), and configuration in package.json. */
function commandsAreTracked(config: Config): boolean {
  return config.getPluginsList().every((plugin) => {
    const pjson = JSON.parse(readFileSync(join(plugin.root, 'package.json'), 'utf8')) as {oclif?: unknown};
    if (!pjson.oclif) return !plugin.valid;
    return plugin.hasManifest || (plugin.commandIDs.length === 0 && !plugin.pjson.oclif.commands);
  });
}

/** Whether the table may answer from these plugins: commands from tracked files, and no hook around the commands it answers but the app's own. */
function pluginsAreTracked(config: Config): boolean {
  return (
    commandsAreTracked(config) &&
    config.getPluginsList().every((plugin) => {
      const events = Object.keys(plugin.hooks ?? {}).filter((event) => HOOKS_AROUND_COMMANDS.includes(event));
      return events.every((event) => plugin.isRoot && ['prerun', 'postrun', 'finally'].includes(event));
    })
  );
}

async function tableContent(
  config: Config,
  request: RebuildRequest,
  tracked: TrackedPath[],
  states: string[],
  loadedCleanly: boolean,
): Promise<TableContent | undefined> {
  const directories = cliDirectories();
  // The table is read from where this process thinks oclif's cache is: it must be where oclif keeps it.
  if (
    config.cacheDir !== directories.cache ||
    config.configDir !== directories.config ||
    config.dataDir !== directories.data
  )
    return undefined;
  const trusted = loadedCleanly && pluginsAreTracked(config);
  const {describeCommands, commandRows} = await import('@systemprompt/cli');
  const infos = describeCommands(config);
  const layout = helpLayout();
  const help: TableContent['help'] = {};
  const answers = trusted
    ? await answerableCommands(config, layout)
    : {helpTexts: false, help: false, list: null, cliHelp: false};
  if (answers.helpTexts) {
    help[layoutKey(layout)] = await helpTexts(config, layout);
    // Layouts already known for these same files are kept (a few terminal widths, and no terminal).
    const previous = CommandTable.read(request.file);
    if (
      previous &&
      previous.header.environment === request.environment &&
      sameTracked(previous.header.tracked, tracked) &&
      sameStates(previous.header.states, states)
    ) {
      for (const [key, sources] of Object.entries(previous.header.help)
        .filter(([key]) => key !== layoutKey(layout))
        .slice(0, 3)) {
        help[key] = Object.fromEntries(
          Object.entries(sources).map(([source, ranges]) => [
            source,
            Object.fromEntries(Object.entries(ranges).map(([subject, range]) => [subject, previous.text(range)])),
          ]),
        );
      }
    }
    previous?.close();
  }
  const header: Omit<TableHeader, 'format' | 'help' | 'rows' | 'infos'> = {
    environment: request.environment,
    tracked,
    states,
    helpFlags: getHelpFlagAdditions(config),
    versionFlags: [...new Set(['--version', ...(config.pjson.oclif.additionalVersionFlags ?? [])])],
    commandIds: config.commands.map((command) => command.id),
    topics: config.topics.map((topic) => topic.name),
    answers,
  };
  // In cli:list's default order, which the reader then need not sort again.
  const rows = applyListQuery(commandRows(infos), parseListQuery({}, COMMAND_LIST_SPEC)).items;
  return {...header, help, rows, infos};
}
