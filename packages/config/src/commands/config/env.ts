import {ConfigCommand} from '../../services/config-command.js';
import {EnvFile, type EnvEntry} from '../../services/env-file.js';

export default class ConfigEnv extends ConfigCommand<typeof ConfigEnv> {
  static override summary = 'List the SYSTEMPROMPT_* settings kept in the env file.';
  static override description =
    'The env file (<config>/systemprompt.env) is read by every command and the server; the process environment wins over it. Secrets are masked. Needs config:read; works without the database (for the local operator), so a wrong database URL can be seen and fixed.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override columns = ['name', 'value', 'setting', 'overridden'];

  async run(): Promise<EnvEntry[]> {
    const {actor, access} = await this.hostAccess();
    const file = new EnvFile(this.paths.config, await this.catalog(), access);
    const entries = await file.list(actor);
    if (entries.length === 0) this.notices.push(`No settings in ${file.path}.`);
    return entries;
  }
}
