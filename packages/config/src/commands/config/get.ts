import {Args, Flags} from '@systemprompt/core';
import {ConfigCommand} from '../../services/config-command.js';

export default class ConfigGet extends ConfigCommand<typeof ConfigGet> {
  static override summary = "Show a configuration value, a module's configuration, or all of it.";
  static override description =
    'Values are what modules get: schema defaults < config.yaml < environment (SYSTEMPROMPT_<MODULE>_<KEY>, and the env file) < runtime settings (config:set). Secrets are masked.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> logger.level',
    '<%= config.bin %> <%= command.id %> logger.level --show-source',
    '<%= config.bin %> <%= command.id %> database --json',
  ];
  static override args = {
    key: Args.string({description: 'module.key (e.g. logger.level), or a module name; all when omitted.'}),
  };
  static override flags = {
    'show-source': Flags.boolean({
      description: 'Also say which layer the value comes from (default, file, env or runtime).',
    }),
  };

  async run(): Promise<unknown> {
    const result = await (await this.configService()).get(await this.actor(), this.args.key);
    if (this.flags['show-source'] && result.source !== undefined) return result;
    if (this.args.key?.includes('.') && this.format === 'table') return result.value === undefined ? '' : result.value;
    return result.value;
  }
}
