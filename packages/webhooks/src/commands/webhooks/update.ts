import {Args, Flags, SystemPromptCommand, invalidInput} from '@systemprompt/core';
import type {EndpointView} from '../../services/endpoints.js';
import {WEBHOOKS} from '../../token.js';

export default class WebhooksUpdate extends SystemPromptCommand<typeof WebhooksUpdate> {
  static override summary = 'Change an endpoint: URL, events, description; enable or disable it.';
  static override description =
    'Takes webhooks:write. --events replaces the patterns. --enable switches an endpoint disabled by failures (or 410 Gone) back on, its failure count reset; deliveries that failed meanwhile can be sent again with webhooks:redeliver.';
  static override examples = [
    `<%= config.bin %> <%= command.id %> 0mx7... --events 'user.*' --events 'agent.task.*'`,
    '<%= config.bin %> <%= command.id %> 0mx7... --enable',
  ];
  static override args = {id: Args.string({description: 'The webhook id (see webhooks:list).', required: true})};
  static override flags = {
    url: Flags.string({description: 'A new URL.'}),
    events: Flags.string({
      char: 'e',
      description: 'New event patterns (replace the old ones).',
      multiple: true,
      delimiter: ',',
    }),
    description: Flags.string({char: 'd', description: 'A new description ("" removes it).'}),
    enable: Flags.boolean({description: 'Switch it on.', exclusive: ['disable']}),
    disable: Flags.boolean({description: 'Switch it off (events are not delivered to it).'}),
  };

  async run(): Promise<EndpointView & {changed: string[]}> {
    const {url, events, description, enable, disable} = this.flags;
    if (url === undefined && events === undefined && description === undefined && !enable && !disable)
      throw invalidInput('Nothing to change', {
        code: 'WEBHOOK_URL_INVALID',
        hint: 'Give --url, --events, --description, --enable or --disable.',
      });
    const {endpoints} = await this.service(WEBHOOKS);
    return endpoints.update(await this.actor(), this.args.id, {
      ...(url !== undefined ? {url} : {}),
      ...(events !== undefined ? {events} : {}),
      ...(description !== undefined ? {description: description || null} : {}),
      ...(enable ? {enabled: true} : disable ? {enabled: false} : {}),
    });
  }
}
