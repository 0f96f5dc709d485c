import {SystemPromptCommand} from '@systemprompt/core';
import type {Note} from '../../entities.js';
import {SERVICE} from '../../token.js';

export default class __CLASS__List extends SystemPromptCommand<typeof __CLASS__List> {
  static override summary = 'List the notes of the __NAME__ module.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override columns = ['id', 'text', 'createdAt'];

  async run(): Promise<Note[]> {
    return (await this.service(SERVICE)).list(await this.actor());
  }
}
