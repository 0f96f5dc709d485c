import {Flags, SystemPromptCommand, textResult, type TextResult} from '@systemprompt/core';
import type {ColumnInfo} from '../../services/schema.js';
import {DATABASE} from '../../token.js';

export default class DatabaseSchema extends SystemPromptCommand<typeof DatabaseSchema> {
  static override summary = 'Show the tables of each module with their columns, or their DDL.';
  static override description =
    'Reads the live schema from the engine. With --ddl, prints the CREATE statements of the current engine (SQLite or MySQL). Needs database:read.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --module users',
    '<%= config.bin %> <%= command.id %> --ddl > schema.sql',
  ];
  static override flags = {
    module: Flags.string({description: 'Only the tables of this module.'}),
    ddl: Flags.boolean({description: 'Print CREATE statements instead of columns.'}),
  };
  static override columns = ['module', 'table', 'column', 'type', 'nullable', 'primary', 'default'];

  async run(): Promise<ColumnInfo[] | TextResult> {
    const service = await this.service(DATABASE);
    const [actor, modules] = [await this.actor(), await this.modules()];
    if (this.flags.ddl) {
      const ddl = await service.ddl(actor, modules, {module: this.flags.module});
      return textResult(ddl, {engine: service.engine, ddl});
    }
    return service.schema(actor, modules, {module: this.flags.module});
  }
}
