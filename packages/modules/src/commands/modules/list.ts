import {Flags, SystemPromptCommand, applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import {moduleRows, type ModuleRow} from '../../services/catalog.js';
import {checkHealth} from '../../services/health.js';

export default class ModulesList extends SystemPromptCommand<typeof ModulesList> {
  static override summary = 'List every installed module: version, type, source, enabled, status, dependencies.';
  static override description = 'SOURCE is core (shipped with the CLI), user (plugins:install) or link (plugins:link). STATUS is ok, disabled, or broken (the problem is in PROBLEM). --health also boots each enabled module and runs its health check.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --health', '<%= config.bin %> <%= command.id %> --filter source=user --json'];
  static override aliases = ['extension:list'];
  // extension:list is the original name; it keeps working, with a note to use modules:list.
  static override deprecateAliases = true;
  static override flags = {...listFlags, health: Flags.boolean({description: 'Boot each enabled module and run its health check.'})};
  static override columns = ['name', 'version', 'type', 'source', 'status', 'health', 'dependencies'];

  async run(): Promise<ListResult<ModuleRow>> {
    await this.authorize('modules:read', 'modules.list');
    const records = await this.modules();
    const health = this.flags.health ? await checkHealth(await this.kernel(), records) : undefined;
    const query = this.listQuery({fields: ['name', 'version', 'type', 'source', 'enabled', 'status', 'health', 'package'], defaultLimit: null, defaultSort: 'name'});
    return applyListQuery(moduleRows(records, health), query, {searchable: ['name', 'package', 'type']});
  }
}
