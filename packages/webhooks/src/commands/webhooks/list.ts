import {SystemPromptCommand, listFlags, type ListResult} from '@systemprompt/core';
import {ENDPOINT_LIST_FIELDS, type EndpointView} from '../../services/endpoints.js';
import {WEBHOOKS} from '../../token.js';

export default class WebhooksList extends SystemPromptCommand<typeof WebhooksList> {
  static override summary = 'List the webhook endpoints with their events, state and failures in a row.';
  static override description =
    'Takes webhooks:read. Secrets are never shown. --filter and --sort take id, url, description, enabled, failures, createdAt and createdBy; --search looks in url and description.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --search example.com --json',
  ];
  static override flags = {...listFlags};
  static override columns = ['id', 'url', 'events', 'enabled', 'failures', 'disabledReason', 'description'];

  async run(): Promise<ListResult<EndpointView>> {
    const query = this.listQuery({fields: ENDPOINT_LIST_FIELDS, defaultLimit: 50});
    const {endpoints} = await this.service(WEBHOOKS);
    return endpoints.list(await this.actor(), query);
  }
}
