import {SystemPromptCommand, type OclifCommand} from '@systemprompt/core';

interface FlagShape {
  type?: string;
  char?: string;
}

/**
 * Splits `dev:profile --top 5 users:list --json` into the dev command's own flags and the command it
 * runs: everything from the first word that is not one of its flags (or its value) on, or everything
 * after `--`. The dev command's flags come first; the other command's flags are passed on untouched.
 */
export function splitPassThrough(
  argv: readonly string[],
  flags: Readonly<Record<string, FlagShape>>,
): {own: string[]; command: string[]} {
  const takesValue = new Set<string>();
  for (const [name, flag] of Object.entries(flags)) {
    if (flag.type !== 'option') continue;
    takesValue.add(`--${name}`);
    if (flag.char) takesValue.add(`-${flag.char}`);
  }
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (arg === '--') return {own: argv.slice(0, index), command: argv.slice(index + 1)};
    if (!arg.startsWith('-') || arg === '-') return {own: argv.slice(0, index), command: argv.slice(index)};
    if (takesValue.has(arg)) index += 1;
  }
  return {own: [...argv], command: []};
}

/** A dev command that runs another command of this CLI: its argv is split before oclif parses its own flags. */
export abstract class PassThroughCommand<T extends typeof OclifCommand> extends SystemPromptCommand<T> {
  static override strict = false;
  /** The command line to run: `users:list --json`. */
  protected commandArgv: string[] = [];

  protected override async init(): Promise<void> {
    const ctor = this.ctor as typeof SystemPromptCommand;
    const {own, command} = splitPassThrough(this.argv, {
      ...(ctor.baseFlags as unknown as Record<string, FlagShape>),
      ...(ctor.flags as unknown as Record<string, FlagShape>),
    });
    this.commandArgv = command;
    // oclif parses only the dev command's flags; what follows `--` is arguments to it.
    this.argv = command.length > 0 ? [...own, '--', ...command] : own;
    await super.init();
  }

  /** The CLI's bin script, run with this Node. */
  protected cliBin(): {root: string; bin: unknown; name: string} {
    return {root: this.config.root, bin: (this.config.pjson as unknown as {bin?: unknown}).bin, name: this.config.bin};
  }

  /** Where the child's output goes: both streams to stderr when stdout carries this command's JSON. */
  protected relay(): {stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream} {
    return this.format === 'table'
      ? {stdout: process.stdout, stderr: process.stderr}
      : {stdout: process.stderr, stderr: process.stderr};
  }
}
