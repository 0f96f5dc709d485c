import {SystemPromptCommand} from '@systemprompt/core';
import type {DatabaseStatus} from '../../services/status.js';
import {DATABASE} from '../../token.js';

export default class DatabaseStatusCommand extends SystemPromptCommand<typeof DatabaseStatusCommand> {
  static override summary =
    'Show the database: engine, version, location, size, tables per module, migrations, latency.';
  static override description =
    'Connects to the configured database (the embedded SQLite file, or MySQL/MariaDB from SYSTEMPROMPT_DATABASE_URL), creating it on first use, and reports what it holds. The password of a database URL is never shown. Needs database:read.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    'SYSTEMPROMPT_DATABASE_URL=mysql://root@127.0.0.1:3306/systemprompt <%= config.bin %> <%= command.id %>',
  ];

  async run(): Promise<DatabaseStatus> {
    const service = await this.service(DATABASE);
    return service.status(await this.actor(), await this.modules());
  }
}
