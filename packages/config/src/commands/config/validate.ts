import {invalidInput} from '@systemprompt/core';
import {currentProblems} from '../../services/check.js';
import {ConfigCommand} from '../../services/config-command.js';

export default class ConfigValidate extends ConfigCommand<typeof ConfigValidate> {
  static override summary = 'Check the current configuration of every module against its schema.';
  static override description = 'Checks all layers together (config.yaml, environment, runtime settings). Exit 2 with every problem and its schema path when any module\'s configuration is invalid.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<Array<{module: string; valid: boolean}>> {
    const catalog = await this.catalog();
    const problems = await currentProblems(catalog, this.paths.config);
    if (problems.length > 0) {
      throw invalidInput(problems.map((problem) => problem.problem).join('\n'), {code: 'CONFIG_INVALID', details: {problems}, hint: 'Fix the values with config:set, config:unset, config.yaml or the environment.'});
    }
    return [...catalog.modules.keys()].sort().map((module) => ({module, valid: true}));
  }
}
