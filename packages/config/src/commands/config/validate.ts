import {invalidInput} from '@systemprompt/core';
import {ConfigCommand} from '../../services/config-command.js';

export default class ConfigValidate extends ConfigCommand<typeof ConfigValidate> {
  static override summary =
    'Check the current configuration of every module against its schema, and that every stored secret can be decrypted.';
  static override description =
    'Checks all layers together (config.yaml, environment, runtime settings), and names every stored secret (runtime values, provider keys) that the current secret key (SYSTEMPROMPT_SECRET_KEY, SYSTEMPROMPT_SECRET_KEY_FILE or <config>/secret.key) cannot decrypt, without showing it. Exit 2 with every problem when anything is wrong. Needs config:read; works without the database (provider keys are then not checked).';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<Array<{module: string; valid: boolean}>> {
    const report = await this.validationReport();
    if (report.problems.length > 0) {
      throw invalidInput(report.problems.map((problem) => problem.problem).join('\n'), {
        code: 'CONFIG_INVALID',
        details: {...report},
        hint:
          report.unreadableSecrets.length > 0
            ? 'Use the secret key the secrets were stored with (every host on a shared database needs the same SYSTEMPROMPT_SECRET_KEY), or store them again.'
            : 'Fix the values with config:set, config:unset, config.yaml or the environment.',
      });
    }
    return [...(await this.catalog()).modules.keys()].sort().map((module) => ({module, valid: true}));
  }
}
