import type {FlagSpec} from './table-file.js';

// How oclif reads a command line, for the cases the table answers. Each function names the oclif code
// it follows; anything they are unsure about makes the table step aside for oclif.

/** oclif shows help when there are no arguments or a help flag comes before `--` (main.js helpAddition). */
export function wantsHelp(argv: readonly string[], helpFlags: readonly string[]): boolean {
  if (argv.length === 0) return true;
  for (const arg of argv) {
    if (helpFlags.includes(arg)) return true;
    if (arg === '--') return false;
  }
  return false;
}

/**
 * What help is shown for: the first argument that is not a help flag or the word "help"; none (the
 * overview) when `--` or another flag comes first (help/index.js getHelpSubject).
 */
export function helpSubject(argv: readonly string[], helpFlags: readonly string[]): string | undefined {
  for (const arg of argv) {
    if (arg === '--') return undefined;
    if (helpFlags.includes(arg) || arg === 'help') continue;
    if (arg.startsWith('-')) return undefined;
    return arg;
  }
  return undefined;
}

export interface ParsedLine {
  flags: Record<string, unknown>;
  positionals: string[];
}

/**
 * Flags and positional arguments as oclif's parser reads them, for plain command lines only:
 * `--name value`, `--name=value`, `-c` for a boolean, each flag once unless it is multiple. Anything
 * else (an unknown or misspelt flag, a value oclif would refuse or read differently, `--`, grouped
 * short flags) gives undefined, and oclif answers with its own message.
 */
export function parseLine(argv: readonly string[], specs: Readonly<Record<string, FlagSpec>>): ParsedLine | undefined {
  const byChar = new Map(
    Object.entries(specs)
      .filter(([, spec]) => spec.char)
      .map(([name, spec]) => [`-${spec.char}`, name]),
  );
  const flags: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '' || arg === '--' || arg === '-') return undefined;
    if (!arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, equals < 0 ? undefined : equals) : byChar.get(arg);
    const spec = name === undefined ? undefined : specs[name];
    if (name === undefined || !spec || !Object.hasOwn(specs, name)) return undefined;
    if (flags[name] !== undefined && !spec.multiple) return undefined;
    if (spec.kind === 'boolean') {
      if (equals >= 0 && arg.startsWith('--')) return undefined;
      flags[name] = true;
      continue;
    }
    const value = equals >= 0 && arg.startsWith('--') ? arg.slice(equals + 1) : argv[++index];
    if (value === undefined || value === '' || value.startsWith('-')) return undefined;
    const parsed = parseValue(value, spec);
    if (parsed === undefined) return undefined;
    flags[name] = spec.multiple ? [...((flags[name] as unknown[] | undefined) ?? []), parsed] : parsed;
  }
  for (const [name, spec] of Object.entries(specs))
    if (flags[name] === undefined && spec.default !== undefined) flags[name] = spec.default;
  return {flags, positionals};
}

function parseValue(value: string, spec: FlagSpec): unknown {
  if (spec.options && !spec.options.includes(value)) return undefined;
  if (spec.kind !== 'integer') return value;
  // Flags.integer: digits only, within its bounds.
  if (!/^\d+$/.test(value)) return undefined;
  const number = Number(value);
  if ((spec.min !== undefined && number < spec.min) || (spec.max !== undefined && number > spec.max)) return undefined;
  return number;
}
