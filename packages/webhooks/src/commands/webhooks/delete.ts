import {Args, SystemPromptCommand, confirmFlag, dryRunFlag} from '@systemprompt/core';
import {WEBHOOKS} from '../../token.js';

export default class WebhooksDelete extends SystemPromptCommand<typeof WebhooksDelete> {
  static override summary = 'Delete an endpoint and its delivery log (asks for confirmation).';
  static override description =
    'Takes webhooks:write. Attempts already queued find it gone and stop. Without a terminal it needs --confirm.';
  static override examples = ['<%= config.bin %> <%= command.id %> 0mx7... --confirm'];
  static override args = {id: Args.string({description: 'The webhook id.', required: true})};
  static override flags = {...confirmFlag, ...dryRunFlag};

  async run(): Promise<{id: string; url: string; deleted: boolean; dryRun?: true}> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const {endpoints} = await this.service(WEBHOOKS);
    return endpoints.delete(await this.actor(), this.args.id, {
      dryRun,
      confirm: (question) => this.confirmAction(question),
    });
  }
}
