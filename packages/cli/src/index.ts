import {BaseModule, packageVersionOf} from '@systemprompt/core';

export {
  describeCommands,
  commandRows,
  type CommandInfo,
  type CommandRow,
  type FlagInfo,
  type ArgInfo,
} from './services/command-catalog.js';
export {renderMarkdownReference} from './services/markdown-reference.js';
export {helpLogCalls, helpText} from './services/help-text.js';

/** The cli module: its commands read the oclif command table; it needs no other module. */
export class CliModule extends BaseModule {
  readonly name = 'cli';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;
}

export default (): CliModule => new CliModule();
