import {accessSync, constants, readFileSync, readdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Interfaces} from '@oclif/core';
import {Config} from '@oclif/core/config';
import {getHelpFlagAdditions} from '@oclif/core/help';
import {COMMAND_LIST_SPEC} from '@systemprompt/cli/catalog';
import {applyListQuery, parseListQuery, resolveSystemPaths, writeFileAtomic} from '@systemprompt/core';
import type {RebuildRequest} from './answer.js';
import {helpLayout, layoutKey, pathStates, sameStates, type TrackedPath} from './fingerprint.js';
import {cliDirectories} from './location.js';
import {CommandTable, encodeCommandTable, type TableContent, type TableHeader} from './table-file.js';
import {answerableCommands, helpTexts} from './table-content.js';

/** Where oclif would find a plugin's configuration when its package.json has no "oclif" section (lilconfig). */
const RC_FILES = ['.oclifrc', '.oclifrc.json', '.oclifrc.js', '.oclifrc.mjs', '.oclifrc.cjs', 'oclif.config.js', 'oclif.config.mjs', 'oclif.config.cjs'];
/** Hooks that run around the commands the table answers; only the app's own (no-ops unless the command is plugins:*) are known. */
const HOOKS_AROUND_COMMANDS = ['init', 'preparse', 'prerun', 'postrun', 'finally', 'command_incomplete'];
const HERE = dirname(fileURLToPath(import.meta.url));
const BUNDLE = join(HERE, '..', 'bundle');

/**
 * Loads oclif's config for this run and writes from it the command table later runs answer from, then
 * returns that config for oclif to run this command with. The table is written only when none of the
 * files it is built from changed between the moment before the load and the end of the build, so its
 * recorded states never describe files newer than its content. Undefined when oclif could not load:
 * oclif then loads again and says why.
 */
export async function rebuildCommandTable(request: RebuildRequest): Promise<Config | undefined> {
  // Where no table can be written, building one would only slow every such command down.
  if (!writableDirectory(dirname(request.file))) return undefined;
  const warnings: unknown[] = [];
  const onWarning = (warning: unknown) => warnings.push(warning);
  process.on('warning', onWarning);
  try {
    const load = async () => {
      const config = await Config.load(request.appRoot);
      // oclif reports plugin problems through process.emitWarning, which emits on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      return config;
    };
    let config: Config;
    try {
      config = await load();
    } catch {
      // oclif loads it again to run the command, and says what is wrong.
      return undefined;
    }
    try {
      const tracked = trackedPaths(config);
      let before = request.previous && sameTracked(request.previous.tracked, tracked) ? request.previous.states : undefined;
      if (!before) {
        // No states from before this load: measure now and load again, unless the table will answer nothing.
        before = pathStates(tracked);
        if (warnings.length === 0) {
          config = await load();
          if (!sameTracked(trackedPaths(config), tracked)) return config;
        }
      }
      const content = await tableContent(config, request, tracked, before, warnings.length === 0);
      // A file changed while the table was built: the next run builds it again.
      if (content && sameStates(pathStates(tracked), before)) await writeTable(request.file, encodeCommandTable(content));
    } catch (error) {
      // The command still runs (through oclif); only later ones stay slow until the table can be built.
      process.stderr.write(`Warning: the command table (${request.file}) was not rebuilt: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    return config;
  } finally {
    process.off('warning', onWarning);
  }
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

async function writeTable(file: string, content: Buffer): Promise<void> {
  try {
    await writeFileAtomic(file, content);
  } catch {
    // A read-only or full cache directory only costs speed: every command then goes through oclif.
  }
}

/** The files oclif reads to know the commands: each plugin's package.json, manifest and module.yaml, the user plugin list, module switches, the theme. */
function trackedPaths(config: Config): TrackedPath[] {
  const paths = resolveSystemPaths({configDir: config.configDir, dataDir: config.dataDir, cacheDir: config.cacheDir});
  const files = new Set([join(config.dataDir, 'package.json'), join(paths.config, 'modules.json'), join(config.configDir, 'theme.json')]);
  const links = new Set<string>();
  for (const plugin of config.getPluginsList() as Interfaces.Plugin[]) {
    for (const name of ['package.json', 'oclif.manifest.json', 'module.yaml']) files.add(join(plugin.root, name));
    // oclif reads .oclif.manifest.json only when there is no oclif.manifest.json (whose state then changes).
    if (!plugin.hasManifest) files.add(join(plugin.root, '.oclif.manifest.json'));
    if (!plugin.valid) for (const name of RC_FILES) files.add(join(plugin.root, name));
    // A reinstalled or relinked package replaces its node_modules entry.
    if (!plugin.isRoot && plugin.type !== 'link') links.add(join(plugin.parent?.root ?? (plugin.type === 'user' ? config.dataDir : config.root), 'node_modules', plugin.name));
  }
  // This code itself, and its bundle: a rebuilt app may read or build tables differently.
  for (const directory of [HERE, BUNDLE, join(BUNDLE, 'command-table')]) {
    for (const name of readdirSync(directory, {withFileTypes: true})) if (name.isFile() && name.name.endsWith('.js')) files.add(join(directory, name.name));
  }
  // Sorted: oclif loads plugins concurrently, so its plugin list comes in no fixed order.
  return [...[...files].sort().map((path) => ({path, kind: 'file' as const})), ...[...links].sort().map((path) => ({path, kind: 'link' as const}))];
}

const sameTracked = (a: readonly TrackedPath[], b: readonly TrackedPath[]) => a.length === b.length && a.every((entry, index) => entry.path === b[index]!.path && entry.kind === b[index]!.kind);

/**
 * Whether every plugin's commands come from files the table tracks: a manifest (or no commands at all),
 * configuration in package.json, and no hook that runs around the commands the table answers.
 */
function pluginsAreTracked(config: Config): boolean {
  return (config.getPluginsList() as Interfaces.Plugin[]).every((plugin) => {
    const pjson = JSON.parse(readFileSync(join(plugin.root, 'package.json'), 'utf8')) as {oclif?: unknown};
    if (!pjson.oclif) return !plugin.valid;
    if (!plugin.hasManifest && (plugin.commandIDs.length > 0 || plugin.pjson.oclif.commands)) return false;
    const events = Object.keys(plugin.hooks ?? {}).filter((event) => HOOKS_AROUND_COMMANDS.includes(event));
    return events.every((event) => plugin.isRoot && ['prerun', 'postrun', 'finally'].includes(event));
  });
}

async function tableContent(config: Config, request: RebuildRequest, tracked: TrackedPath[], states: string[], loadedCleanly: boolean): Promise<TableContent | undefined> {
  const directories = cliDirectories();
  // The table is read from where this process thinks oclif's cache is: it must be where oclif keeps it.
  if (config.cacheDir !== directories.cache || config.configDir !== directories.config || config.dataDir !== directories.data) return undefined;
  const trusted = loadedCleanly && pluginsAreTracked(config);
  const {describeCommands, commandRows} = await import('@systemprompt/cli');
  const infos = describeCommands(config);
  const layout = helpLayout();
  const help: TableContent['help'] = {};
  const answers = trusted ? await answerableCommands(config, layout) : {helpTexts: false, help: false, list: null, cliHelp: false};
  if (answers.helpTexts) {
    help[layoutKey(layout)] = await helpTexts(config, layout);
    // Layouts already known for these same files are kept (a few terminal widths, and no terminal).
    const previous = CommandTable.read(request.file);
    if (previous && previous.header.environment === request.environment && sameTracked(previous.header.tracked, tracked) && sameStates(previous.header.states, states)) {
      for (const [key, sources] of Object.entries(previous.header.help).filter(([key]) => key !== layoutKey(layout)).slice(0, 3)) {
        help[key] = Object.fromEntries(Object.entries(sources).map(([source, ranges]) => [source, Object.fromEntries(Object.entries(ranges).map(([subject, range]) => [subject, previous.text(range)]))]));
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
