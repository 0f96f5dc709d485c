import {Flags, textResult, type TextResult} from '@systemprompt/core';
import {ConfigCommand} from '../../services/config-command.js';

export default class ConfigExport extends ConfigCommand<typeof ConfigExport> {
  static override summary = 'Export the configured values as YAML that config:import reads back.';
  static override description =
    'Exports the values set in config.yaml, the environment and runtime settings (with --all, defaults too). Secrets are masked unless --include-secrets (needs config:secrets; audited); masked secrets are left unchanged by config:import. Host-only settings (auth.localTrust) are left out: they belong to this host.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --output config-backup.yaml',
    '<%= config.bin %> <%= command.id %> --module logger',
    '<%= config.bin %> <%= command.id %> --include-secrets --output secrets.yaml',
  ];
  static override flags = {
    module: Flags.string({description: 'Only this module.'}),
    all: Flags.boolean({description: 'Include values that are only defaults.'}),
    'include-secrets': Flags.boolean({description: 'Write secret values in clear (protect the file).'}),
  };

  async run(): Promise<TextResult> {
    const values = await (
      await this.configService()
    ).exportValues(await this.actor(), {
      includeSecrets: this.flags['include-secrets'],
      includeDefaults: this.flags.all,
      module: this.flags.module,
    });
    const {stringify} = await import('yaml');
    const header = `# SystemPrompt OS configuration, exported ${new Date().toISOString()}${this.flags['include-secrets'] ? ' (contains secrets)' : ''}\n`;
    return textResult(Object.keys(values).length === 0 ? `${header}{}\n` : header + stringify(values), values);
  }
}
