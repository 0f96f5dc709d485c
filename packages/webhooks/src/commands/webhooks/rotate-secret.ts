import {Args, Flags, SystemPromptCommand} from '@systemprompt/core';
import type {EndpointView, WithSecret} from '../../services/endpoints.js';
import {WEBHOOKS} from '../../token.js';

export default class WebhooksRotateSecret extends SystemPromptCommand<typeof WebhooksRotateSecret> {
  static override summary = 'Give an endpoint a new signing secret; the old one keeps signing beside it for a while.';
  static override description =
    'Takes webhooks:write. The new whsec_ secret is printed once. During the overlap (--overlap-hours, default webhooks.rotationOverlapHours) each delivery carries two signatures in webhook-signature, one per secret, so the receiver can switch to the new secret before the old one stops; 0 ends the old one at once.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> 0mx7...',
    '<%= config.bin %> <%= command.id %> 0mx7... --overlap-hours 0',
  ];
  static override args = {id: Args.string({description: 'The webhook id.', required: true})};
  static override flags = {
    'overlap-hours': Flags.integer({description: 'Hours the old secret still signs.', min: 0, max: 720}),
  };

  async run(): Promise<WithSecret<EndpointView>> {
    const {endpoints, config} = await this.service(WEBHOOKS);
    const rotated = await endpoints.rotateSecret(
      await this.actor(),
      this.args.id,
      this.flags['overlap-hours'] ?? config.rotationOverlapHours,
    );
    this.warnings.push('Keep the new secret now: it is not shown again.');
    return rotated;
  }
}
