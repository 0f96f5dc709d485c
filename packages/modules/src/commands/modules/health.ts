import {Args, SystemPromptCommand, notFound, unavailable} from '@systemprompt/core';
import {checkHealth} from '../../services/health.js';

interface HealthRow {
  module: string;
  healthy: boolean;
  message: string;
}

export default class ModulesHealth extends SystemPromptCommand<typeof ModulesHealth> {
  static override summary = 'Run the health check of every enabled module, or of one (exit 6 when unhealthy).';
  static override description = 'Boots each module with its dependencies (without starting daemons) and calls its healthCheck. A module that cannot load or initialize is unhealthy, with the reason.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> database --json'];
  static override args = {module: Args.string({description: 'Only this module.'})};
  static override columns = ['module', 'healthy', 'message'];

  async run(): Promise<HealthRow[]> {
    await this.authorize('modules:read', 'modules.health', this.args.module ?? null);
    const records = await this.modules();
    if (this.args.module && !records.some((record) => record.name === this.args.module)) throw notFound(`No module named "${this.args.module}"`, {code: 'MODULE_NOT_FOUND'});
    const wanted = records.filter((record) => (this.args.module ? record.name === this.args.module : record.enabled));
    const health = await checkHealth(await this.kernel(), wanted);
    const rows = wanted.map((record) => ({module: record.name, healthy: health.get(record.name)?.healthy ?? false, message: health.get(record.name)?.message ?? ''})).sort((a, b) => a.module.localeCompare(b.module));
    const sick = rows.filter((row) => !row.healthy);
    if (sick.length > 0) {
      throw unavailable(`${sick.length} unhealthy module${sick.length === 1 ? '' : 's'}: ${sick.map((row) => `${row.module} (${row.message})`).join('; ')}`, {code: 'MODULES_UNHEALTHY', details: {modules: rows}});
    }
    return rows;
  }
}
