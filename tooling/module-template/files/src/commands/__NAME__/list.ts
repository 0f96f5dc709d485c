import {SystemPromptCommand} from '@systemprompt/core';
import type {Note} from '../../entities.js';
import type {__CLASS__Service} from '../../services/__NAME__-service.js';

export default class __CLASS__List extends SystemPromptCommand<typeof __CLASS__List> {
  static override summary = 'List the notes of the __NAME__ module.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override columns = ['id', 'text', 'createdAt'];

  async run(): Promise<Note[]> {
    return (await this.service<__CLASS__Service>()).list(await this.actor());
  }
}
