import {EntitySchema} from '@systemprompt/database/schema';

/** A webhook endpoint. Times are milliseconds since the epoch on both engines. */
export interface EndpointRow {
  id: string;
  url: string;
  description: string | null;
  /** JSON array of event types or patterns (`user.*`, `*`). */
  events: string;
  /** The whsec_ secret, encrypted with the installation's key. */
  secret: string;
  /** The secret before the last rotation, encrypted; it signs too until `previousExpiresAt`. */
  previousSecret: string | null;
  previousExpiresAt: number | null;
  enabled: boolean;
  disabledReason: string | null;
  /** Failed attempts in a row (0 after a success). */
  failures: number;
  /** Events up to this id happened before the endpoint existed: they are not delivered to it. */
  fromEventId: number;
  version: number;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
}

/** One event (or test message) for one endpoint. Its id is the webhook-id every attempt sends. */
export interface DeliveryRow {
  id: string;
  endpointId: string;
  /** The event's id in the event store; null for webhooks:test messages. */
  eventId: number | null;
  eventType: string;
  /** The exact body signed and sent. */
  payload: string;
  /** pending (an attempt is due), succeeded, failed (no attempt left, or the endpoint was disabled). */
  status: string;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  /** The queue job that makes the next attempt. */
  jobId: string | null;
  createdAt: number;
  updatedAt: number;
}

/** One HTTP attempt of a delivery, as the delivery log shows it. */
export interface AttemptRow {
  deliveryId: string;
  attempt: number;
  at: number;
  /** The answer's status; null when none came (refused address, connection error, time-out). */
  status: number | null;
  durationMs: number;
  error: string | null;
  /** The first responseHeadBytes of the answer's body. */
  responseHead: string | null;
  /** The request's URL and headers (JSON; signatures are not secret). */
  request: string;
}

/** Named positions (the event cursor of the dispatcher). */
export interface StateRow {
  name: string;
  value: number;
}

const varchar = (length: number, nullable = false) => ({type: 'varchar' as const, length, nullable});
const millis = (name: string, nullable = false) => ({type: 'bigint' as const, name, nullable});
const text = (name: string, nullable = false) => ({type: 'text' as const, name, nullable});

export const Endpoint = new EntitySchema<EndpointRow>({
  name: 'WebhookEndpoint',
  tableName: 'webhook_endpoints',
  columns: {
    id: {...varchar(32), primary: true},
    url: varchar(2000),
    description: varchar(500, true),
    events: text('events'),
    secret: text('secret'),
    previousSecret: text('previous_secret', true),
    previousExpiresAt: millis('previous_expires_at', true),
    enabled: {type: 'boolean'},
    disabledReason: {...varchar(500, true), name: 'disabled_reason'},
    failures: {type: 'integer'},
    fromEventId: {type: 'bigint', name: 'from_event_id'},
    version: {type: 'integer'},
    createdAt: millis('created_at'),
    updatedAt: millis('updated_at'),
    createdBy: {...varchar(320), name: 'created_by'},
  },
});

export const Delivery = new EntitySchema<DeliveryRow>({
  name: 'WebhookDelivery',
  tableName: 'webhook_deliveries',
  columns: {
    id: {...varchar(32), primary: true},
    endpointId: {...varchar(32), name: 'endpoint_id'},
    eventId: {type: 'bigint', name: 'event_id', nullable: true},
    eventType: {...varchar(200), name: 'event_type'},
    payload: text('payload'),
    status: varchar(12),
    attempts: {type: 'integer'},
    nextAttemptAt: millis('next_attempt_at', true),
    lastStatus: {type: 'integer', name: 'last_status', nullable: true},
    lastError: text('last_error', true),
    jobId: {...varchar(32, true), name: 'job_id'},
    createdAt: millis('created_at'),
    updatedAt: millis('updated_at'),
  },
});

export const Attempt = new EntitySchema<AttemptRow>({
  name: 'WebhookAttempt',
  tableName: 'webhook_attempts',
  columns: {
    deliveryId: {...varchar(32), name: 'delivery_id', primary: true},
    attempt: {type: 'integer', primary: true},
    at: {type: 'bigint'},
    status: {type: 'integer', nullable: true},
    durationMs: {type: 'integer', name: 'duration_ms'},
    error: text('error', true),
    responseHead: text('response_head', true),
    request: text('request'),
  },
});

export const State = new EntitySchema<StateRow>({
  name: 'WebhookState',
  tableName: 'webhook_state',
  columns: {
    name: {...varchar(64), primary: true},
    value: {type: 'bigint'},
  },
});

export const WEBHOOK_ENTITIES = [Endpoint, Delivery, Attempt, State];
