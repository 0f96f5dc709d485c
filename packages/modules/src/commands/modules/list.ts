import {Flags, applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import {ModulesCommand} from '../../modules-command.js';
import type {ModuleRow} from '../../services/catalog.js';

export default class ModulesList extends ModulesCommand<typeof ModulesList> {
  static override summary = 'List every installed module: version, type, source, enabled, status, dependencies.';
  static override description =
    'SOURCE is core (shipped with the CLI), user (plugins:install) or link (plugins:link). STATUS is ok, disabled, broken (cannot be loaded, e.g. its name is taken by another package) or failed (its initialize() or a migration failed the last time it ran); PROBLEM says why. --health also boots each enabled module and runs its health check.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --health',
    '<%= config.bin %> <%= command.id %> --filter source=user --json',
  ];
  static override aliases = ['extension:list'];
  // extension:list is the original name; it keeps working, with a note to use modules:list.
  static override deprecateAliases = true;
  static override flags = {
    ...listFlags,
    health: Flags.boolean({description: 'Boot each enabled module and run its health check.'}),
  };
  static override columns = ['name', 'version', 'type', 'source', 'status', 'health', 'dependencies'];

  async run(): Promise<ListResult<ModuleRow>> {
    const query = this.listQuery({
      fields: ['name', 'version', 'type', 'source', 'enabled', 'status', 'health', 'package'],
      defaultLimit: null,
      defaultSort: 'name',
    });
    const rows = await (await this.modulesService()).list(await this.actor(), this.host(), {health: this.flags.health});
    return applyListQuery(rows, query, {searchable: ['name', 'package', 'type']});
  }
}
