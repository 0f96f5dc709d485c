import {format} from 'node:util';
import type {Command, Config} from '@oclif/core';
import * as Flags from '@oclif/core/flags';
import type {Help} from '@oclif/core/help';
import type {PluginDescriptor} from '@systemprompt/core/kernel';
import type {HelpLayout} from './fingerprint.js';
import type {FlagSpec, HelpSource, TableHeader} from './table-file.js';

const CLI_PACKAGE = '@systemprompt/cli';
/** cli:list flags the table leaves to oclif: --output writes a file, --verbose changes what a failure prints. */
const LEFT_TO_OCLIF = new Set(['output', 'verbose']);

/**
 * Help as each source prints it, for every subject oclif can show help for ('' is the overview):
 * `--help` (oclif's main: the CLI's helpOptions; each log call is a line), the help command, and
 * cli:help (its log calls joined by newlines). Commands whose help is computed when shown
 * (hasDynamicHelp) are left to oclif.
 */
export async function helpTexts(
  config: Config,
  layout: HelpLayout,
): Promise<Partial<Record<HelpSource, Record<string, string>>>> {
  const {helpLogCalls} = await import('@systemprompt/cli');
  const subjects = [
    '',
    ...new Set([...config.commands.map((command) => command.id), ...config.topics.map((topic) => topic.name)]),
  ].filter((subject) => !config.findCommand(subject)?.hasDynamicHelp);
  // With no colour anywhere (no theme, no escape codes in any text), stripping colours changes nothing.
  // JSON writes the escape character as \u001b; the one-byte CSI (U+009B) stays as it is.
  const texts = JSON.stringify([config.commands, config.topics]);
  const colourless = config.theme === undefined && !texts.includes('\\u001b') && !texts.includes('\u009B');
  const help: Record<HelpSource, Record<string, string>> = {main: {}, command: {}, cli: {}};
  const printed = (calls: string[][]) => calls.map((args) => `${format(...args)}\n`).join(''); // oclif's ux.stdout
  const lines = (calls: string[][]) => calls.map((args) => args.join(' ')).join('\n');
  for (const subject of subjects) {
    const argv = subject ? [subject] : [];
    help.main[subject] = printed(
      await helpLogCalls(config, argv, config.pjson.oclif.helpOptions ?? config.pjson.helpOptions ?? {}),
    );
    // The help command passes {all: flags['nested-commands']}, unset without -n.
    const commandCalls = await helpLogCalls(config, argv, {all: undefined});
    help.command[subject] = printed(commandCalls);
    help.cli[subject] = lines(colourless ? commandCalls : await helpLogCalls(config, argv, {stripAnsi: !layout.tty}));
  }
  return help;
}

/**
 * Which commands the table may answer, checked on the loaded classes: help only without a theme and at
 * the width oclif computes here; the help command when it is oclif's own; cli:list and cli:help when
 * they are the cli module's and no module is broken or the cli module disabled (their output would
 * then carry a warning or an error), with each cli:list flag it can parse as oclif does.
 */
export async function answerableCommands(config: Config, layout: HelpLayout): Promise<TableHeader['answers']> {
  const {loadHelpClass} = await import('@oclif/core/help');
  const HelpClass = (await loadHelpClass(config)) as typeof Help;
  const width = new (class extends HelpClass {
    get width(): number | undefined {
      return this.opts.maxWidth;
    }
  })(config).width;
  const helpTexts = config.theme === undefined && width === layout.width;
  const plain = (id: string, plugin: string) => {
    const command = config.findCommand(id);
    return command &&
      command.pluginName === plugin &&
      !command.state &&
      !command.deprecationOptions &&
      !command.hasDynamicHelp
      ? command
      : undefined;
  };
  const help = plain('help', config.name);
  const helpClass = help ? await help.load() : undefined;
  const {commands: pluginHelp} = await import('@oclif/plugin-help');
  const answersHelp =
    helpTexts &&
    helpClass !== undefined &&
    Object.getPrototypeOf(helpClass) === pluginHelp.help &&
    !Object.hasOwn(helpClass.prototype, 'run');
  const cliUsable = await cliModuleUsable(config);
  const list = cliUsable ? plain('cli:list', CLI_PACKAGE) : undefined;
  const cliHelp = cliUsable ? plain('cli:help', CLI_PACKAGE) : undefined;
  return {
    helpTexts,
    help: answersHelp,
    list: list ? listFlagSpecs(await list.load()) : null,
    cliHelp: helpTexts && cliHelp !== undefined && cliHelpIsPlain(await cliHelp.load()),
  };
}

/** SystemPromptCommand fails a disabled module's commands and warns about every broken module. */
async function cliModuleUsable(config: Config): Promise<boolean> {
  const [{discoverModules, readModuleState}, {resolveSystemPaths}] = await Promise.all([
    import('@systemprompt/core/kernel'),
    import('@systemprompt/core'),
  ]);
  const paths = resolveSystemPaths({configDir: config.configDir, dataDir: config.dataDir, cacheDir: config.cacheDir});
  const state = readModuleState(paths.config);
  if (state.problem) return false;
  const records = await discoverModules(
    config.getPluginsList() as unknown as PluginDescriptor[],
    paths.cache,
    state.disabled,
  );
  return records.every((record) => !record.error && (record.packageName !== CLI_PACKAGE || record.enabled));
}

type FlagDefinition = Command.Flag.Any & {
  parse?: unknown;
  env?: string;
  relationships?: unknown;
  exclusive?: unknown;
  exactlyOne?: unknown;
  dependsOn?: unknown;
  combinable?: unknown;
  min?: number;
  max?: number;
};

/** cli:list's flags as the table parses them, or null when one could change a run in a way the table does not follow. */
function listFlagSpecs(command: Command.Class): Record<string, FlagSpec> | null {
  if (command.strict === false || Object.keys(command.args ?? {}).length > 0) return null;
  const specs: Record<string, FlagSpec> = {};
  const integerParse = Flags.integer().parse;
  const identityParse = Flags.string().parse.toString();
  for (const [name, flag] of Object.entries({...command.baseFlags, ...command.flags}) as Array<
    [string, FlagDefinition]
  >) {
    // Read from the environment, required, defaulted by a function, or tied to other flags: oclif only.
    if (
      flag.env ||
      flag.required ||
      typeof flag.default === 'function' ||
      flag.relationships ||
      flag.exclusive ||
      flag.exactlyOne ||
      flag.dependsOn ||
      flag.combinable ||
      flag.deprecated
    )
      return null;
    if (LEFT_TO_OCLIF.has(name)) continue;
    const spec: FlagSpec = {kind: 'boolean'};
    if (flag.type === 'option') {
      if (flag.parse === integerParse)
        Object.assign(spec, {
          kind: 'integer',
          ...(flag.min === undefined ? {} : {min: flag.min}),
          ...(flag.max === undefined ? {} : {max: flag.max}),
        });
      else if (typeof flag.parse === 'function' && flag.parse.toString() === identityParse) spec.kind = 'string';
      else continue;
      if (flag.multiple) spec.multiple = true;
      if (flag.options) spec.options = [...flag.options];
    } else if (flag.allowNo) continue;
    if (flag.char) spec.char = flag.char;
    if (flag.default !== undefined) spec.default = flag.default;
    specs[name] = spec;
  }
  return specs;
}

/** cli:help as the table answers it: words and --json, nothing read from the environment. */
function cliHelpIsPlain(command: Command.Class): boolean {
  const flags = {...command.baseFlags, ...command.flags} as Record<string, FlagDefinition>;
  const args = Object.entries(command.args ?? {});
  return (
    command.strict === false &&
    flags.json?.type === 'boolean' &&
    !flags.json.env &&
    Object.values(flags).every((flag) => !flag.env && typeof flag.default !== 'function') &&
    args.length === 1 &&
    args.every(([, arg]) => !arg.required && !arg.options && arg.default === undefined)
  );
}
