import {Args, SystemPromptCommand} from '@systemprompt/core';
import type {Note} from '../../entities.js';
import {SERVICE} from '../../token.js';

export default class __CLASS__Add extends SystemPromptCommand<typeof __CLASS__Add> {
  static override summary = "Add a note to the __NAME__ module's table.";
  static override examples = ['<%= config.bin %> <%= command.id %> "buy milk"'];
  static override args = {text: Args.string({required: true, description: 'The note.'})};

  async run(): Promise<Note> {
    return (await this.service(SERVICE)).add(await this.actor(), this.args.text);
  }
}
