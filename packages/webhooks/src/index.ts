import {BaseModule, packageVersionOf, type EventStore, type ModuleContext} from '@systemprompt/core';
import {SecretBox} from '@systemprompt/core/config';
import {DATABASE, pruneRows} from '@systemprompt/database';
import {QUEUE} from '@systemprompt/queue';
import {WEBHOOK_ENTITIES} from './entities.js';
import type {WebhooksConfig} from './generated/config.js';
import {DELIVERY_QUEUE, DeliveryService} from './services/deliveries.js';
import {Dispatcher} from './services/dispatcher.js';
import {EndpointService} from './services/endpoints.js';
import {NetworkGuard} from './services/network-guard.js';
import {Sender} from './services/sender.js';

export type {WebhooksConfig} from './generated/config.js';
export {EndpointService, ENDPOINT_LIST_FIELDS, type EndpointView, type WithSecret} from './services/endpoints.js';
export {
  DeliveryService,
  DELIVERY_LIST_FIELDS,
  DELIVERY_QUEUE,
  retryDelayMs,
  type AttemptView,
  type DeliveryView,
} from './services/deliveries.js';
export {Dispatcher} from './services/dispatcher.js';
export {NetworkGuard, systemResolver, type Resolver} from './services/network-guard.js';
export {Sender, signatures, type Message, type SendResult} from './services/sender.js';

/** What the webhooks module publishes (to its commands). */
export interface WebhooksApi {
  config: WebhooksConfig;
  endpoints: EndpointService;
  deliveries: DeliveryService;
  dispatcher: Dispatcher;
}

export class WebhooksModule extends BaseModule<WebhooksConfig> {
  readonly name = 'webhooks';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;
  private api: WebhooksApi | undefined;
  private sender: Sender | undefined;

  override async initialize(context: ModuleContext<WebhooksConfig>): Promise<void> {
    await super.initialize(context);
    const {config, events, logger} = context;
    const db = await context.services.get(DATABASE).forModule(context, WEBHOOK_ENTITIES);
    const access = await context.access();
    const {queue} = context.services.get(QUEUE);
    const guard = new NetworkGuard(config.allowNetworks);
    const store = () => context.capability<EventStore>('events');
    this.sender = new Sender(guard, config, context.metrics);
    const endpoints = new EndpointService(db, access, events, new SecretBox(context.systemPaths.config), guard, store);
    const deliveries = new DeliveryService(db, access, events, queue, endpoints, this.sender, config);
    // Attempts are retried by the delivery itself (its schedule, Retry-After); the queue's own
    // retries only cover a server that died or a database that failed mid-attempt.
    queue.register(DELIVERY_QUEUE, (job) => deliveries.attempt(job as never), {
      concurrency: config.concurrency,
      maxAttempts: 10,
      backoff: {baseMs: 1000, maxMs: 60_000},
    });
    const dispatcher = new Dispatcher(db, store, deliveries, logger);
    // Events the dispatcher has not read yet are kept whatever their age.
    store()?.hold('webhooks', () => dispatcher.neededFrom());
    context.retention.add({
      name: 'deliveries',
      description: 'Finished webhook deliveries (succeeded or failed) and their attempts',
      keepDays: config.retentionDays,
      setting: 'webhooks.retentionDays',
      prune: (before, options) =>
        pruneRows(
          db,
          {
            table: 'webhook_deliveries',
            key: 'id',
            where: "status IN ('succeeded', 'failed') AND updated_at < ?",
            params: [before.getTime()],
            dependents: [{table: 'webhook_attempts', column: 'delivery_id'}],
          },
          options,
        ),
    });
    this.api = {config, endpoints, deliveries, dispatcher};
    context.provide<WebhooksApi>(this.api);
  }

  /** Only the server starts modules: it turns events into deliveries. */
  override async start(): Promise<void> {
    this.api?.dispatcher.start(this.context!.config.dispatchMs);
  }

  override async stop(): Promise<void> {
    await this.api?.dispatcher.stop();
    this.sender?.close();
  }
}

export default (): WebhooksModule => new WebhooksModule();
export {WEBHOOKS} from './token.js';
