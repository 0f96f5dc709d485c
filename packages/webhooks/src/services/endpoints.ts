import {randomBytes} from 'node:crypto';
import {
  checkEventPattern,
  conflict,
  invalidInput,
  newSortableId,
  notFound,
  toSystemPromptError,
  type AccessProvider,
  type Actor,
  type ConfirmStep,
  type EventBus,
  type EventStore,
  type ListQuery,
  type ListResult,
} from '@systemprompt/core';
import type {SecretBox} from '@systemprompt/core/config';
import {queryList, type ListPlan, type ModuleDatabase} from '@systemprompt/database';
import {Endpoint, type EndpointRow} from '../entities.js';
import type {NetworkGuard} from './network-guard.js';

/** An endpoint as lists show it: never its secret. */
export interface EndpointView {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  failures: number;
  /** Until when the previous secret still signs (after a rotation), or null. */
  previousSecretUntil: string | null;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
}

/** A new secret, shown once (webhooks:create, webhooks:rotate-secret). */
export type WithSecret<T> = T & {secret: string};

export const ENDPOINT_LIST_FIELDS = [
  'id',
  'url',
  'description',
  'enabled',
  'failures',
  'createdAt',
  'createdBy',
] as const;
const ENDPOINT_LIST: ListPlan = {
  fields: {
    id: 'e.id',
    url: 'e.url',
    description: 'e.description',
    enabled: {sql: 'e.enabled', kind: 'number'},
    failures: {sql: 'e.failures', kind: 'number'},
    createdAt: {sql: 'e.created_at', kind: 'number'},
    createdBy: 'e.created_by',
  },
  searchable: ['url', 'description'],
  order: [['id', 'asc']],
};

const iso = (millis: number | string | null) => (millis === null ? null : new Date(Number(millis)).toISOString());

export function endpointView(row: EndpointRow): EndpointView {
  const until = row.previousSecret && row.previousExpiresAt && Number(row.previousExpiresAt) > Date.now();
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as string[],
    enabled: Boolean(row.enabled),
    disabledReason: row.disabledReason,
    failures: Number(row.failures),
    previousSecretUntil: until ? iso(row.previousExpiresAt) : null,
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
    createdBy: row.createdBy,
  };
}

/** A new secret in the Standard Webhooks form: whsec_ and 32 random bytes in base64. */
export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

export const endpointNotFound = (id: string) =>
  notFound(`No webhook ${id}`, {code: 'WEBHOOK_NOT_FOUND', details: {id}, hint: 'See webhooks:list.'});

/** An http(s) URL without credentials or fragment, at most 2,000 characters. */
export function checkUrl(value: string): string {
  const hint = 'Give the receiver’s URL, e.g. https://hooks.example.com/systemprompt.';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidInput(`${JSON.stringify(value)} is not a URL`, {code: 'WEBHOOK_URL_INVALID', hint});
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidInput(`The webhook URL must be http or https, not ${url.protocol}`, {
      code: 'WEBHOOK_URL_INVALID',
      hint,
    });
  if (url.username || url.password)
    throw invalidInput('The webhook URL must not hold credentials', {
      code: 'WEBHOOK_URL_INVALID',
      hint: 'Receivers check the signature (webhook-signature) instead.',
    });
  if (url.hash) throw invalidInput('The webhook URL must not have a fragment', {code: 'WEBHOOK_URL_INVALID', hint});
  if (url.href.length > 2000)
    throw invalidInput('The webhook URL is longer than 2,000 characters', {code: 'WEBHOOK_URL_INVALID'});
  return url.href;
}

export function checkPatterns(patterns: readonly string[]): string[] {
  const unique = [...new Set(patterns.map((pattern) => pattern.trim()).filter(Boolean))].sort();
  if (unique.length === 0)
    throw invalidInput('Give at least one --events pattern', {
      code: 'WEBHOOK_EVENTS_INVALID',
      hint: 'Event types (user.created), prefixes (user.*) or * for every event; see system:events.',
    });
  if (unique.length > 100) throw invalidInput('At most 100 --events patterns', {code: 'WEBHOOK_EVENTS_INVALID'});
  for (const pattern of unique) {
    try {
      checkEventPattern(pattern);
    } catch (error) {
      throw invalidInput(toSystemPromptError(error).message, {code: 'WEBHOOK_EVENTS_INVALID'});
    }
  }
  return unique;
}

export interface EndpointChanges {
  url?: string;
  events?: readonly string[];
  description?: string | null;
  enabled?: boolean;
}

/**
 * Webhook endpoints: a URL, the event patterns it receives, and its signing secret (encrypted at
 * rest, shown once). Reading takes webhooks:read, changing webhooks:write. A URL whose address the
 * network guard refuses cannot be stored.
 */
export class EndpointService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessProvider,
    private readonly events: EventBus,
    private readonly secrets: SecretBox,
    private readonly guard: NetworkGuard,
    private readonly store: () => EventStore | undefined,
  ) {}

  private get repository() {
    return this.db.repository(Endpoint);
  }

  async require(id: string): Promise<EndpointRow> {
    const row = await this.repository.findOneBy({id});
    if (!row) throw endpointNotFound(id);
    return row;
  }

  /** The secrets that sign now: the current one, and the previous one during its overlap. */
  async signingSecrets(row: EndpointRow, now = Date.now()): Promise<string[]> {
    const secrets = [(await this.secrets.decrypt(row.secret)) as string];
    if (row.previousSecret && row.previousExpiresAt && Number(row.previousExpiresAt) > now)
      secrets.push((await this.secrets.decrypt(row.previousSecret)) as string);
    return secrets;
  }

  async create(
    actor: Actor,
    input: {url: string; events: readonly string[]; description?: string | null},
  ): Promise<WithSecret<EndpointView>> {
    await this.access.authorize(actor, 'webhooks:write', 'webhooks.create', input.url);
    const events = checkPatterns(input.events);
    const url = await this.checkTarget(input.url);
    const now = Date.now();
    const secret = newSecret();
    const row: EndpointRow = {
      id: newSortableId(),
      url,
      description: input.description ?? null,
      events: JSON.stringify(events),
      secret: await this.secrets.encrypt(secret),
      previousSecret: null,
      previousExpiresAt: null,
      enabled: true,
      disabledReason: null,
      failures: 0,
      // Events from now on: what happened before the endpoint existed is not sent to it.
      fromEventId: (await this.store()?.latestId()) ?? 0,
      version: 1,
      createdAt: now,
      updatedAt: now,
      createdBy: actor.label,
    };
    await this.db.transaction(async (manager) => {
      await manager.getRepository(Endpoint).insert(row);
      await this.events.emit(
        'webhook.created',
        {id: row.id, url, events: JSON.parse(row.events)},
        {transaction: manager, subject: row.id},
      );
    });
    await this.audit(actor, 'webhooks.create', row.id, {url});
    return {...endpointView(row), secret};
  }

  async list(actor: Actor, query: ListQuery): Promise<ListResult<EndpointView>> {
    await this.access.authorize(actor, 'webhooks:read', 'webhooks.list');
    const page = await queryList(this.repository.createQueryBuilder('e'), query, ENDPOINT_LIST);
    return {...page, items: page.items.map(endpointView)};
  }

  async get(actor: Actor, id: string): Promise<EndpointView> {
    await this.access.authorize(actor, 'webhooks:read', 'webhooks.show', id);
    return endpointView(await this.require(id));
  }

  async update(actor: Actor, id: string, changes: EndpointChanges): Promise<EndpointView & {changed: string[]}> {
    await this.access.authorize(actor, 'webhooks:write', 'webhooks.update', id);
    const row = await this.require(id);
    const next: EndpointRow = {...row};
    if (changes.url !== undefined) next.url = await this.checkTarget(changes.url);
    if (changes.events !== undefined) next.events = JSON.stringify(checkPatterns(changes.events));
    if (changes.description !== undefined) next.description = changes.description;
    if (changes.enabled !== undefined && changes.enabled !== Boolean(row.enabled)) {
      next.enabled = changes.enabled;
      next.disabledReason = changes.enabled ? null : `disabled by ${actor.label}`;
      next.failures = 0;
    }
    const changed = (['url', 'events', 'description', 'enabled'] as const).filter(
      (field) => next[field] !== row[field],
    );
    if (changed.length === 0) return {...endpointView(row), changed};
    next.version = Number(row.version) + 1;
    next.updatedAt = Date.now();
    await this.save(row, next, 'webhook.updated', {id, changed});
    await this.audit(actor, 'webhooks.update', id, {changed});
    return {...endpointView(next), changed};
  }

  /** A new secret; the old one keeps signing beside it for `overlapHours` (receivers switch meanwhile). */
  async rotateSecret(actor: Actor, id: string, overlapHours: number): Promise<WithSecret<EndpointView>> {
    await this.access.authorize(actor, 'webhooks:write', 'webhooks.rotate-secret', id);
    const row = await this.require(id);
    const secret = newSecret();
    const now = Date.now();
    const next: EndpointRow = {
      ...row,
      secret: await this.secrets.encrypt(secret),
      previousSecret: overlapHours > 0 ? row.secret : null,
      previousExpiresAt: overlapHours > 0 ? now + overlapHours * 3_600_000 : null,
      version: Number(row.version) + 1,
      updatedAt: now,
    };
    await this.save(row, next, 'webhook.updated', {id, changed: ['secret']});
    await this.audit(actor, 'webhooks.rotate-secret', id, {overlapHours});
    return {...endpointView(next), secret};
  }

  async delete(actor: Actor, id: string, options: {confirm?: ConfirmStep; dryRun?: boolean} = {}) {
    await this.access.authorize(actor, 'webhooks:write', 'webhooks.delete', id);
    const row = await this.require(id);
    if (options.dryRun) return {id, url: row.url, deleted: false, dryRun: true as const};
    await options.confirm?.(`Delete webhook ${id} (${row.url}) and its delivery log?`);
    await this.db.transaction(async (manager) => {
      const result = await manager.getRepository(Endpoint).delete({id, version: row.version});
      if (!result.affected) throw changedError(id);
      await this.events.emit('webhook.deleted', {id, url: row.url}, {transaction: manager, subject: id});
    });
    await this.audit(actor, 'webhooks.delete', id, {url: row.url});
    return {id, url: row.url, deleted: true};
  }

  /** The URL, checked: its form, and (for an address or a name that resolves now) the network guard. */
  private async checkTarget(value: string): Promise<string> {
    const url = checkUrl(value);
    await this.guard.resolve(new URL(url).hostname, url);
    return url;
  }

  private async save(
    row: EndpointRow,
    next: EndpointRow,
    event: string,
    payload: Record<string, unknown>,
  ): Promise<void> {
    await this.db.transaction(async (manager) => {
      const {id, ...values} = next;
      const result = await manager.getRepository(Endpoint).update({id, version: row.version}, values);
      if (!result.affected) throw changedError(id);
      await this.events.emit(event, payload, {transaction: manager, subject: id});
    });
  }

  private audit(actor: Actor, action: string, target: string, details: Record<string, unknown>): Promise<void> {
    return this.access.record(actor, {action, target, result: 'ok', permission: 'webhooks:write', details});
  }
}

const changedError = (id: string) =>
  conflict(`The webhook ${id} was changed by someone else meanwhile`, {
    code: 'WEBHOOK_CHANGED',
    details: {id},
    hint: 'Look at it again (webhooks:list) and repeat the change.',
  });
