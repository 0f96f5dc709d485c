import {
  Args,
  Flags,
  SystemPromptCommand,
  listFlags,
  renderRecord,
  renderTable,
  textResult,
  type ListResult,
  type TextResult,
} from '@systemprompt/core';
import {DELIVERY_LIST_FIELDS, type DeliveryView} from '../../services/deliveries.js';
import {WEBHOOKS} from '../../token.js';

export default class WebhooksLogs extends SystemPromptCommand<typeof WebhooksLogs> {
  static override summary = "An endpoint's deliveries (newest first), or one delivery with every attempt.";
  static override description =
    "Takes webhooks:read. With a webhook id (or none: every endpoint): deliveries with their status, attempts and last answer. With --delivery ID: that delivery's body and each attempt (time, status, duration, error, the head of the answer, the request's headers). --filter and --sort take id, endpointId, eventType, status, attempts, lastStatus and createdAt.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> 0mx7...',
    '<%= config.bin %> <%= command.id %> --filter status=failed --json',
    '<%= config.bin %> <%= command.id %> --delivery 0mx8...',
  ];
  static override args = {id: Args.string({description: 'The webhook id (default: every endpoint).'})};
  static override flags = {
    ...listFlags,
    delivery: Flags.string({description: 'Show this delivery with its attempts.'}),
  };
  static override columns = [
    'id',
    'endpointId',
    'eventType',
    'status',
    'attempts',
    'lastStatus',
    'lastError',
    'createdAt',
  ];

  async run(): Promise<ListResult<DeliveryView> | TextResult> {
    const {deliveries} = await this.service(WEBHOOKS);
    const actor = await this.actor();
    if (this.flags.delivery) {
      const detail = await deliveries.get(actor, this.flags.delivery);
      const {history, payload, ...delivery} = detail;
      const rows = history.map((attempt) => ({
        attempt: attempt.attempt,
        at: attempt.at,
        status: attempt.status ?? '-',
        durationMs: attempt.durationMs,
        error: attempt.error ?? '',
        response: (attempt.responseHead ?? '').replace(/\s+/g, ' ').slice(0, 60),
      }));
      const text = `${renderRecord(delivery)}\n\n${JSON.stringify(payload)}${rows.length ? `\n\n${renderTable(rows)}` : ''}`;
      return textResult(text, detail);
    }
    const query = this.listQuery({fields: DELIVERY_LIST_FIELDS, defaultLimit: 50});
    return deliveries.list(actor, query, this.args.id);
  }
}
