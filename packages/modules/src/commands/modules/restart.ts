import {Args, SystemPromptCommand, notFound, unavailable} from '@systemprompt/core';

export default class ModulesRestart extends SystemPromptCommand<typeof ModulesRestart> {
  static override summary = 'Re-initialize a module and check its health.';
  static override description = 'Without a running server this initializes the module (and its dependencies), stops it, initializes it again and runs its health check: it proves the module starts from its current configuration. Exit 6 when it does not.';
  static override examples = ['<%= config.bin %> <%= command.id %> database'];
  static override args = {module: Args.string({required: true, description: 'Module name.'})};

  async run(): Promise<{module: string; restarted: boolean; healthy: boolean; message: string}> {
    await this.authorize('modules:write', 'modules.restart', this.args.module);
    const record = (await this.modules()).find((candidate) => candidate.name === this.args.module);
    if (!record) throw notFound(`No module named "${this.args.module}"`, {code: 'MODULE_NOT_FOUND'});
    // A fresh kernel each time: a restart must not reuse what the first start left in memory.
    for (let round = 0; round < 2; round++) {
      const kernel = await this.newKernel();
      try {
        await kernel.boot([record.name]);
        if (round === 1) {
          const [health] = await kernel.health([record.name]);
          if (!health!.healthy) throw unavailable(`Module "${record.name}" restarted but is unhealthy: ${health!.message ?? ''}`, {code: 'MODULE_UNHEALTHY'});
          return {module: record.name, restarted: true, healthy: true, message: health!.message ?? ''};
        }
      } finally {
        await kernel.stop();
      }
    }
    throw unavailable(`Module "${record.name}" did not restart`, {code: 'MODULE_RESTART_FAILED'});
  }
}
