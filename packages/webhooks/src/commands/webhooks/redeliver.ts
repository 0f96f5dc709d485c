import {Args, SystemPromptCommand} from '@systemprompt/core';
import type {DeliveryView} from '../../services/deliveries.js';
import {WEBHOOKS} from '../../token.js';

export default class WebhooksRedeliver extends SystemPromptCommand<typeof WebhooksRedeliver> {
  static override summary = 'Send a delivery again (same webhook-id, so receivers can tell a repeat).';
  static override description =
    "Takes webhooks:write. Queues a new attempt now (the server's workers send it), with the usual retries after it. A delivery still being attempted is exit 5.";
  static override examples = ['<%= config.bin %> <%= command.id %> 0mx8...'];
  static override args = {delivery: Args.string({description: 'The delivery id (see webhooks:logs).', required: true})};

  async run(): Promise<DeliveryView> {
    const {deliveries} = await this.service(WEBHOOKS);
    return deliveries.redeliver(await this.actor(), this.args.delivery);
  }
}
