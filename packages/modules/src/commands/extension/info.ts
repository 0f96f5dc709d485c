import {Args, SystemPromptCommand, notFound} from '@systemprompt/core';
import {moduleRows} from '../../services/catalog.js';

export default class ExtensionInfo extends SystemPromptCommand<typeof ExtensionInfo> {
  static override summary = 'Show one installed module: package, version, source, status, dependencies, permissions, events, tools, commands.';
  static override examples = ['<%= config.bin %> <%= command.id %> acme-notes', '<%= config.bin %> <%= command.id %> database --json'];
  static override args = {module: Args.string({required: true, description: 'Module or package name.'})};

  async run(): Promise<Record<string, unknown>> {
    await this.authorize('modules:read', 'modules.info', this.args.module);
    const records = await this.modules();
    const record = records.find((candidate) => candidate.name === this.args.module || candidate.packageName === this.args.module);
    if (!record) throw notFound(`No module named "${this.args.module}"`, {code: 'MODULE_NOT_FOUND', hint: 'See modules:list.'});
    const [row] = moduleRows([record]);
    const commands = this.config.commands.filter((command) => command.pluginName === record.packageName && !command.aliases?.includes(command.id)).map((command) => command.id).sort();
    return {
      ...row,
      description: record.manifest?.description ?? '',
      root: record.root,
      permissions: (record.manifest?.permissions ?? []).map((permission) => permission.name),
      events: (record.manifest?.events ?? []).map((event) => event.name),
      tools: (record.manifest?.tools ?? []).map((tool) => tool.name),
      commands: [...new Set(commands)],
      dependents: records.filter((other) => other.manifest?.dependencies?.includes(record.name)).map((other) => other.name),
    };
  }
}
