import {
  conflict,
  eventMatches,
  newSortableId,
  notFound,
  type AccessProvider,
  type Actor,
  type DomainEvent,
  type EventBus,
  type ListQuery,
  type ListResult,
} from '@systemprompt/core';
import {changedRows, queryList, type ListPlan, type ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import type {JobContext, QueueService} from '@systemprompt/queue';
import {Attempt, Delivery, Endpoint, type AttemptRow, type DeliveryRow, type EndpointRow} from '../entities.js';
import type {EndpointService} from './endpoints.js';
import {GroupWriter} from './group-writer.js';
import type {Sender, SendResult} from './sender.js';

const ENDPOINT_TTL_MS = 1000;

/** The queue of delivery attempts: one job per attempt, payload {deliveryId}. */
export const DELIVERY_QUEUE = 'webhooks.deliver';

export interface DeliverySettings {
  retrySchedule: number[];
  disableAfterFailures: number;
  maxPayloadBytes: number;
}

export interface DeliveryView {
  id: string;
  endpointId: string;
  eventId: number | null;
  eventType: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AttemptView {
  attempt: number;
  at: string;
  status: number | null;
  durationMs: number;
  error: string | null;
  responseHead: string | null;
  request: {url: string; headers: Record<string, string>};
}

export const DELIVERY_LIST_FIELDS = [
  'id',
  'endpointId',
  'eventType',
  'status',
  'attempts',
  'lastStatus',
  'createdAt',
] as const;
const DELIVERY_LIST: ListPlan = {
  fields: {
    id: 'd.id',
    endpointId: 'd.endpoint_id',
    eventType: 'd.event_type',
    status: 'd.status',
    attempts: {sql: 'd.attempts', kind: 'number'},
    lastStatus: {sql: 'd.last_status', kind: 'number'},
    createdAt: {sql: 'd.created_at', kind: 'number'},
  },
  searchable: ['eventType', 'status'],
  order: [['id', 'desc']],
};

const iso = (millis: number | string | null) => (millis === null ? null : new Date(Number(millis)).toISOString());

export const deliveryView = (row: DeliveryRow): DeliveryView => ({
  id: row.id,
  endpointId: row.endpointId,
  eventId: row.eventId === null ? null : Number(row.eventId),
  eventType: row.eventType,
  status: row.status,
  attempts: Number(row.attempts),
  lastStatus: row.lastStatus === null ? null : Number(row.lastStatus),
  lastError: row.lastError,
  nextAttemptAt: iso(row.nextAttemptAt),
  createdAt: iso(row.createdAt)!,
  updatedAt: iso(row.updatedAt)!,
});

const attemptView = (row: AttemptRow): AttemptView => ({
  attempt: Number(row.attempt),
  at: iso(row.at)!,
  status: row.status === null ? null : Number(row.status),
  durationMs: Number(row.durationMs),
  error: row.error,
  responseHead: row.responseHead,
  request: JSON.parse(row.request) as AttemptView['request'],
});

/**
 * The body of an event's delivery: `{type, timestamp, data}` as the Standard Webhooks spec suggests,
 * with the event's id; an event whose payload would pass maxPayloadBytes goes without it.
 */
export function bodyOf(
  event: Pick<DomainEvent, 'id' | 'type' | 'occurredAt' | 'payload' | 'subject'>,
  maxBytes: number,
): string {
  const body = JSON.stringify({
    type: event.type,
    timestamp: event.occurredAt,
    id: event.id ?? null,
    data: event.payload ?? null,
  });
  if (Buffer.byteLength(body) <= maxBytes) return body;
  return JSON.stringify({
    type: event.type,
    timestamp: event.occurredAt,
    id: event.id ?? null,
    data: {truncated: true, subject: event.subject ?? null},
  });
}

/** The wait before retry number `retry` (1-based): the schedule's entry ±20 %, or the longer Retry-After. */
export function retryDelayMs(
  schedule: readonly number[],
  retry: number,
  retryAfter: number | null,
  random = Math.random,
): number | null {
  const seconds = schedule[retry - 1];
  if (seconds === undefined) return null;
  const jittered = seconds * 1000 * (0.8 + 0.4 * random());
  return Math.round(Math.min(Math.max(jittered, retryAfter ?? 0), 7 * 24 * 3_600_000));
}

/**
 * Deliveries: created from events for the endpoints whose patterns match (exactly once per endpoint
 * and event), each attempt a job of the queue. An attempt's outcome, the delivery's next step and
 * the endpoint's failure count are written in one transaction with the next attempt's job.
 */
export class DeliveryService {
  private readonly endpointCache = new Map<string, {at: number; row: EndpointRow | undefined}>();
  /** Attempt outcomes, committed in shared transactions. */
  private readonly outcomes: GroupWriter<string>;

  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessProvider,
    private readonly events: EventBus,
    private readonly queue: QueueService,
    private readonly endpoints: EndpointService,
    private readonly sender: Sender,
    private readonly settings: DeliverySettings,
  ) {
    this.outcomes = new GroupWriter(db);
  }

  /**
   * Creates the deliveries of `events` for the matching enabled endpoints, in `manager`'s transaction:
   * their jobs in one statement, the deliveries in another (the dispatcher holds the cursor, so no
   * other server makes the same ones; the (endpoint, event) key would refuse them anyway).
   */
  async fanOut(
    manager: EntityManager,
    events: readonly DomainEvent[],
    endpoints: readonly EndpointRow[],
  ): Promise<number> {
    const now = Date.now();
    const rows: DeliveryRow[] = [];
    for (const event of events) {
      for (const endpoint of endpoints) {
        if (!endpoint.enabled || Number(event.id) <= Number(endpoint.fromEventId)) continue;
        if (!eventMatches(JSON.parse(endpoint.events) as string[], event.type)) continue;
        rows.push({
          id: newSortableId(),
          endpointId: endpoint.id,
          eventId: event.id!,
          eventType: event.type,
          payload: bodyOf(event, this.settings.maxPayloadBytes),
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          lastStatus: null,
          lastError: null,
          jobId: null,
          createdAt: now,
          updatedAt: now,
        });
      }
    }
    for (let start = 0; start < rows.length; start += 200) {
      const chunk = rows.slice(start, start + 200);
      const jobs = await this.queue.enqueueMany(
        DELIVERY_QUEUE,
        chunk.map((row) => ({payload: {deliveryId: row.id}})),
        manager,
      );
      chunk.forEach((row, index) => (row.jobId = jobs[index]!.id));
      await manager.getRepository(Delivery).insert(chunk);
    }
    return rows.length;
  }

  /** The handler of the delivery queue: one attempt, then its outcome. */
  async attempt(job: JobContext<{deliveryId: string}>): Promise<{delivery: string; status: string}> {
    const id = String(job.payload?.deliveryId ?? '');
    const [delivery] = await this.db.manager.query<DeliveryRow[]>(
      'SELECT id, endpoint_id AS endpointId, payload, status, attempts, job_id AS jobId FROM webhook_deliveries WHERE id = ?',
      [id],
    );
    if (!delivery || delivery.status !== 'pending' || delivery.jobId !== job.id)
      return {delivery: id, status: 'skipped'};
    const endpoint = await this.endpoint(delivery.endpointId);
    if (!endpoint) return {delivery: id, status: 'skipped'};
    if (!endpoint.enabled) {
      await this.finish(delivery, {
        status: 'failed',
        lastError: `the endpoint is disabled: ${endpoint.disabledReason ?? ''}`.trim(),
      });
      return {delivery: id, status: 'failed'};
    }
    const result = await this.sender.send(endpoint.url, {
      id: `msg_${delivery.id}`,
      body: delivery.payload,
      secrets: await this.endpoints.signingSecrets(endpoint),
    });
    return {delivery: id, status: await this.record(delivery, endpoint, result, job.id)};
  }

  /**
   * An endpoint as attempts use it, read again at most every ENDPOINT_TTL_MS (a change made elsewhere,
   * such as a disable, applies within that time; this process's own changes at once).
   */
  private async endpoint(id: string): Promise<EndpointRow | undefined> {
    const cached = this.endpointCache.get(id);
    if (cached && Date.now() - cached.at < ENDPOINT_TTL_MS) return cached.row;
    const row = (await this.db.repository(Endpoint).findOneBy({id})) ?? undefined;
    this.endpointCache.set(id, {at: Date.now(), row});
    return row;
  }

  /** Writes the attempt and what follows from it: success, the next attempt's job, or the end. */
  private async record(
    delivery: DeliveryRow,
    endpoint: EndpointRow,
    result: SendResult,
    jobId: string,
  ): Promise<string> {
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const gone = result.status === 410;
    const attempt = Number(delivery.attempts) + 1;
    const now = Date.now();
    const error = ok ? null : (result.error ?? `HTTP ${result.status}`);
    const delay = ok || gone ? null : retryDelayMs(this.settings.retrySchedule, attempt, result.retryAfterMs);
    const disable = gone
      ? 'the receiver answered 410 Gone'
      : !ok && Number(endpoint.failures) + 1 >= this.settings.disableAfterFailures
        ? `${Number(endpoint.failures) + 1} failed attempts in a row`
        : null;
    const change: Partial<DeliveryRow> = {
      attempts: attempt,
      lastStatus: result.status,
      lastError: error,
      updatedAt: now,
    };
    if (ok) Object.assign(change, {status: 'succeeded', nextAttemptAt: null, jobId: null});
    else if (delay === null || disable) Object.assign(change, {status: 'failed', nextAttemptAt: null, jobId: null});
    return this.outcomes.write(async (manager) => {
      if (change.status === undefined) {
        // Queued first: if the delivery is no longer this job's, that job finds it so and does nothing.
        const next = await this.queue.enqueue(
          DELIVERY_QUEUE,
          {deliveryId: delivery.id},
          {transaction: manager, delayMs: delay!},
        );
        Object.assign(change, {nextAttemptAt: now + delay!, jobId: next.id});
      }
      // Only while this job still owns the attempt (a redelivery or a job run twice finds it moved on).
      const updated = await changedRows(
        manager,
        'UPDATE webhook_deliveries SET status = ?, attempts = ?, last_status = ?, last_error = ?, next_attempt_at = ?, job_id = ?, updated_at = ? WHERE id = ? AND status = ? AND job_id = ?',
        [
          change.status ?? 'pending',
          attempt,
          result.status,
          error,
          change.nextAttemptAt,
          change.jobId,
          now,
          delivery.id,
          'pending',
          jobId,
        ],
      );
      if (!updated) return 'skipped';
      await manager.query(
        'INSERT INTO webhook_attempts (delivery_id, attempt, at, status, duration_ms, error, response_head, request) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [
          delivery.id,
          attempt,
          now,
          result.status,
          result.durationMs,
          error,
          result.responseHead,
          JSON.stringify(result.request),
        ],
      );
      // The endpoint's row is written only when its failure count or state changes.
      if (!ok || Number(endpoint.failures) > 0) {
        this.endpointCache.delete(endpoint.id);
        await manager
          .getRepository(Endpoint)
          .createQueryBuilder()
          .update()
          .set({failures: ok ? 0 : () => 'failures + 1', updatedAt: now})
          .where('id = :id', {id: endpoint.id})
          .execute();
      }
      // Disabled once, by whichever attempt gets there first: one webhook.disabled event.
      const disabled =
        disable &&
        (
          await manager
            .getRepository(Endpoint)
            .createQueryBuilder()
            .update()
            .set({enabled: false, disabledReason: disable})
            .where('id = :id AND enabled = :enabled', {id: endpoint.id, enabled: true})
            .execute()
        ).affected;
      if (disabled)
        await this.events.emit(
          'webhook.disabled',
          {id: endpoint.id, url: endpoint.url, reason: disable},
          {
            transaction: manager,
            subject: endpoint.id,
          },
        );
      return String(change.status ?? 'pending');
    });
  }

  private async finish(delivery: DeliveryRow, change: Partial<DeliveryRow>): Promise<void> {
    await this.db
      .repository(Delivery)
      .update({id: delivery.id}, {...change, nextAttemptAt: null, jobId: null, updatedAt: Date.now()});
  }

  /** webhooks:test: a `webhook.test` message to the endpoint, sent now (no retry); the attempt is logged. */
  async test(actor: Actor, endpointId: string): Promise<DeliveryView & {attempt: AttemptView}> {
    await this.access.authorize(actor, 'webhooks:write', 'webhooks.test', endpointId);
    const endpoint = await this.endpoints.require(endpointId);
    const payload = JSON.stringify({
      type: 'webhook.test',
      timestamp: new Date().toISOString(),
      id: null,
      data: {endpoint: endpoint.id, by: actor.label},
    });
    const now = Date.now();
    const row: DeliveryRow = {
      id: newSortableId(),
      endpointId,
      eventId: null,
      eventType: 'webhook.test',
      payload,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: null,
      lastStatus: null,
      lastError: null,
      jobId: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.db.repository(Delivery).insert(row);
    const result = await this.sender.send(endpoint.url, {
      id: `msg_${row.id}`,
      body: payload,
      secrets: await this.endpoints.signingSecrets(endpoint),
    });
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const attempt: AttemptRow = {
      deliveryId: row.id,
      attempt: 1,
      at: now,
      status: result.status,
      durationMs: result.durationMs,
      error: ok ? null : (result.error ?? `HTTP ${result.status}`),
      responseHead: result.responseHead,
      request: JSON.stringify(result.request),
    };
    await this.db.transaction(async (manager) => {
      await manager.getRepository(Attempt).insert(attempt);
      await manager.getRepository(Delivery).update(
        {id: row.id},
        {
          status: ok ? 'succeeded' : 'failed',
          attempts: 1,
          lastStatus: result.status,
          lastError: attempt.error,
          updatedAt: Date.now(),
        },
      );
    });
    await this.access.record(actor, {
      action: 'webhooks.test',
      target: endpointId,
      result: ok ? 'ok' : 'failed',
      permission: 'webhooks:write',
      details: {status: result.status},
    });
    const stored = await this.db.repository(Delivery).findOneByOrFail({id: row.id});
    return {...deliveryView(stored), attempt: attemptView(attempt)};
  }

  /** Sends a delivery again (same webhook-id): a new attempt now, with the usual retries after it. */
  async redeliver(actor: Actor, id: string): Promise<DeliveryView> {
    await this.access.authorize(actor, 'webhooks:write', 'webhooks.redeliver', id);
    const row = await this.db.transaction(async (manager) => {
      const delivery = await manager.getRepository(Delivery).findOneBy({id});
      if (!delivery) throw deliveryNotFound(id);
      if (delivery.status === 'pending')
        throw conflict(`The delivery ${id} is still being attempted`, {
          code: 'DELIVERY_PENDING',
          details: {id},
          hint: 'Wait for it to succeed or fail, or see webhooks:logs.',
        });
      const job = await this.queue.enqueue(DELIVERY_QUEUE, {deliveryId: id}, {transaction: manager});
      const change = {status: 'pending', jobId: job.id, nextAttemptAt: Date.now(), updatedAt: Date.now()};
      await manager.getRepository(Delivery).update({id}, change);
      return {...delivery, ...change};
    });
    await this.access.record(actor, {
      action: 'webhooks.redeliver',
      target: id,
      result: 'ok',
      permission: 'webhooks:write',
    });
    return deliveryView(row);
  }

  async list(actor: Actor, query: ListQuery, endpointId?: string): Promise<ListResult<DeliveryView>> {
    await this.access.authorize(actor, 'webhooks:read', 'webhooks.logs', endpointId ?? null);
    const builder = this.db.repository(Delivery).createQueryBuilder('d');
    if (endpointId) builder.where('d.endpoint_id = :endpointId', {endpointId});
    const page = await queryList(builder, query, DELIVERY_LIST);
    return {...page, items: page.items.map(deliveryView)};
  }

  /** One delivery with every attempt (its request headers, the answer's status and head, duration). */
  async get(actor: Actor, id: string): Promise<DeliveryView & {payload: unknown; history: AttemptView[]}> {
    await this.access.authorize(actor, 'webhooks:read', 'webhooks.logs', id);
    const row = await this.db.repository(Delivery).findOneBy({id});
    if (!row) throw deliveryNotFound(id);
    const attempts = await this.db.repository(Attempt).find({where: {deliveryId: id}, order: {attempt: 'ASC'}});
    return {...deliveryView(row), payload: JSON.parse(row.payload) as unknown, history: attempts.map(attemptView)};
  }
}

export const deliveryNotFound = (id: string) =>
  notFound(`No delivery ${id}`, {code: 'DELIVERY_NOT_FOUND', details: {id}, hint: 'See webhooks:logs WEBHOOK.'});
