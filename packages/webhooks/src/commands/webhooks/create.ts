import {Args, Flags, SystemPromptCommand} from '@systemprompt/core';
import type {EndpointView, WithSecret} from '../../services/endpoints.js';
import {WEBHOOKS} from '../../token.js';

export default class WebhooksCreate extends SystemPromptCommand<typeof WebhooksCreate> {
  static override summary =
    'Add an endpoint that receives the events it subscribes to, signed (the secret is shown once).';
  static override description = `Takes webhooks:write. Events that happen from now on and match one of the --events patterns (a type such as user.created, a prefix such as user.*, or *) are delivered as POST requests with a JSON body {type, timestamp, id, data}, signed per the Standard Webhooks spec (webhook-id, webhook-timestamp, webhook-signature with the whsec_ secret printed here, once). The URL may not lead to a private, loopback, link-local or metadata address unless webhooks.allowNetworks allows it.`;
  static override examples = [
    `<%= config.bin %> <%= command.id %> https://hooks.example.com/sp --events 'user.*' --events workflow.run.failed`,
    `<%= config.bin %> <%= command.id %> https://ops.example.com/page --events webhook.disabled --events 'alert.*' --description pager`,
  ];
  static override args = {url: Args.string({description: 'The receiver’s URL (http or https).', required: true})};
  static override flags = {
    events: Flags.string({
      char: 'e',
      description: 'Event types or patterns (user.*, *), repeatable or comma-separated.',
      multiple: true,
      delimiter: ',',
      required: true,
    }),
    description: Flags.string({char: 'd', description: 'What it is for.'}),
  };

  async run(): Promise<WithSecret<EndpointView>> {
    const {endpoints} = await this.service(WEBHOOKS);
    const created = await endpoints.create(await this.actor(), {
      url: this.args.url,
      events: this.flags.events,
      description: this.flags.description ?? null,
    });
    this.warnings.push('Keep the secret now: it is not shown again (webhooks:rotate-secret makes a new one).');
    return created;
  }
}
