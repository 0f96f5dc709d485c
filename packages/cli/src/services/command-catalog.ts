import type {Command, Config} from '@oclif/core';

export interface FlagInfo {
  name: string;
  char?: string;
  type: 'boolean' | 'option';
  description: string;
  required: boolean;
  multiple: boolean;
  default?: unknown;
  options?: string[];
  group?: string;
}

export interface ArgInfo {
  name: string;
  description: string;
  required: boolean;
  options?: string[];
}

export interface CommandInfo {
  id: string;
  topic: string;
  summary: string;
  description: string;
  aliases: string[];
  plugin: string;
  deprecated: boolean;
  flags: FlagInfo[];
  args: ArgInfo[];
  examples: string[];
}

/** A row of `cli:list`. */
export interface CommandRow {
  id: string;
  topic: string;
  summary: string;
  aliases: string[];
  plugin: string;
}

const firstSentence = (text: string | undefined) =>
  (text ?? '')
    .split('\n')
    .map((line) => line.trim())
    .find(Boolean) ?? '';

/** oclif texts are templates (`<%= config.bin %> <%= command.id %>`); show them as typed. */
export const renderTemplate = (text: string, bin: string, id: string): string =>
  text.replace(/<%=\s*config\.bin\s*%>/g, bin).replace(/<%=\s*command\.id\s*%>/g, id);

export function renderExample(example: Command.Example, bin: string, id: string): string {
  return renderTemplate(
    typeof example === 'string'
      ? example
      : `${example.command}${example.description ? `  # ${example.description}` : ''}`,
    bin,
    id,
  );
}

function describe(command: Command.Loadable, config: Config): CommandInfo {
  const flags = Object.entries(command.flags ?? {})
    .filter(([, flag]) => !flag.hidden)
    .map(([name, flag]): FlagInfo => {
      const info: FlagInfo = {
        name,
        type: flag.type,
        description: flag.summary ?? flag.description ?? '',
        required: Boolean(flag.required),
        multiple: flag.type === 'option' && Boolean(flag.multiple),
      };
      if (flag.char) info.char = flag.char;
      if (flag.default !== undefined && typeof flag.default !== 'function') info.default = flag.default;
      if (flag.type === 'option' && flag.options) info.options = [...flag.options];
      if (flag.helpGroup) info.group = flag.helpGroup;
      return info;
    });
  const args = Object.entries(command.args ?? {}).map(([name, arg]): ArgInfo => ({
    name,
    description: arg.description ?? '',
    required: Boolean(arg.required),
    ...(arg.options ? {options: [...arg.options]} : {}),
  }));
  const examples = (
    Array.isArray(command.examples) ? command.examples : command.examples ? [command.examples] : []
  ).map((example) => renderExample(example, config.bin, command.id));
  return {
    id: command.id,
    topic: command.id.includes(':') ? command.id.slice(0, command.id.indexOf(':')) : command.id,
    summary: renderTemplate(command.summary ?? firstSentence(command.description), config.bin, command.id),
    description: renderTemplate(command.description ?? command.summary ?? '', config.bin, command.id),
    aliases: [...(command.aliases ?? [])],
    plugin: command.pluginName ?? '',
    deprecated: Boolean(command.state === 'deprecated' || command.deprecationOptions),
    flags,
    args,
    examples,
  };
}

/** Every visible command of every loaded plugin, once each (oclif lists aliases as extra entries). */
export function describeCommands(config: Config): CommandInfo[] {
  const seen = new Set<string>();
  const infos: CommandInfo[] = [];
  for (const command of config.commands) {
    // An alias entry carries the real command's aliases, its own id among them.
    if (command.hidden || seen.has(command.id) || command.aliases?.includes(command.id)) continue;
    seen.add(command.id);
    infos.push(describe(command, config));
  }
  return infos.sort((a, b) => a.id.localeCompare(b.id));
}

export const commandRows = (infos: readonly CommandInfo[]): CommandRow[] =>
  infos.map(({id, topic, summary, aliases, plugin}) => ({id, topic, summary, aliases, plugin}));
