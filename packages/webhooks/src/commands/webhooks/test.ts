import {Args, ExitCode, SystemPromptCommand} from '@systemprompt/core';
import type {AttemptView, DeliveryView} from '../../services/deliveries.js';
import {WEBHOOKS} from '../../token.js';

export default class WebhooksTest extends SystemPromptCommand<typeof WebhooksTest> {
  static override summary = 'Send a signed webhook.test message to an endpoint now and show the answer.';
  static override description =
    'Takes webhooks:write. One attempt, no retry, logged like any delivery (webhooks:logs). Exits 1 when the endpoint did not answer 2xx.';
  static override examples = ['<%= config.bin %> <%= command.id %> 0mx7...'];
  static override args = {id: Args.string({description: 'The webhook id.', required: true})};

  async run(): Promise<DeliveryView & {attempt: AttemptView}> {
    const {deliveries} = await this.service(WEBHOOKS);
    const result = await deliveries.test(await this.actor(), this.args.id);
    if (result.status !== 'succeeded') this.exitAfterOutput(ExitCode.Unexpected);
    return result;
  }
}
