import {Args, SystemPromptCommand} from '@systemprompt/core';
import type {Greeting} from '../../services/__NAME__-service.js';
import {SERVICE} from '../../token.js';

export default class __CLASS__Hello extends SystemPromptCommand<typeof __CLASS__Hello> {
  static override summary = 'Greet someone through the __NAME__ module.';
  static override description = 'Calls the __NAME__ service; the greeting comes from the module configuration.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> Ada',
    '<%= config.bin %> <%= command.id %> Ada --json',
  ];
  static override args = {name: Args.string({required: true, description: 'Who to greet.'})};

  async run(): Promise<Greeting> {
    const service = await this.service(SERVICE);
    return service.hello(this.args.name);
  }
}
