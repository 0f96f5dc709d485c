import {conflict, invalidInput, notFound, type Actor, type ConfirmStep} from '@systemprompt/core';
import {isUniqueViolation} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import {Model, Provider, type ModelRow, type ProviderRow} from '../entities.js';
import {CONFIG_PROVIDER_CHANGED, type ProviderChange} from '../events.js';
import type {ConfigModuleApi} from '../index.js';
import {Guard, READ, SECRETS, WRITE} from './permissions.js';
import {
  DEFAULT_TIMEOUT_MS,
  endpointFor,
  listProviderModels,
  openStoredKey,
  sealKey,
  type ProviderEndpoint,
} from './provider-client.js';

export type ProviderKind = ProviderRow['kind'];
export const PROVIDER_KINDS = ['openai', 'anthropic'] as const satisfies readonly ProviderKind[];
/** `openai` is any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, LM Studio, OpenRouter): give its --base-url. */
export const DEFAULT_BASE_URLS: Record<ProviderKind, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
};

/** How a command changes a provider's key: an environment variable's name, a key to store, or none. */
export type KeyChange = {source: 'env'; variable: string} | {source: 'stored'; key: string} | {source: 'none'};

// ---- validation: messages name the flag, never echo what could be a key --------------------------

export function checkProviderName(name: string): void {
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(name)) {
    throw invalidInput(`Invalid provider name "${name}"`, {
      code: 'PROVIDER_NAME_INVALID',
      hint: 'Use lower-case letters, digits and dashes (at most 64), starting with a letter or digit.',
    });
  }
}

/** An http(s) URL without credentials, query or fragment, without its trailing slash. */
export function checkBaseUrl(value: string): string {
  const hint = 'Give the API root, e.g. https://api.openai.com/v1 or http://localhost:11434/v1.';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidInput('--base-url is not a valid URL', {code: 'PROVIDER_URL_INVALID', hint});
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidInput(`--base-url must be an http or https URL, not ${url.protocol}`, {
      code: 'PROVIDER_URL_INVALID',
      hint,
    });
  if (url.username || url.password)
    throw invalidInput('--base-url must not contain credentials', {
      code: 'PROVIDER_URL_INVALID',
      hint: 'Give the key with --api-key-env or --api-key-stdin.',
    });
  if (url.search || url.hash)
    throw invalidInput('--base-url must not have a query or a fragment', {code: 'PROVIDER_URL_INVALID', hint});
  const normalized = url.href.replace(/\/+$/, '');
  if (normalized.length > 500)
    throw invalidInput('--base-url is longer than 500 characters', {code: 'PROVIDER_URL_INVALID', hint});
  return normalized;
}

export function checkEnvVariable(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name)) {
    throw invalidInput('--api-key-env takes the name of an environment variable, not a key', {
      code: 'PROVIDER_KEY_ENV_INVALID',
      hint: 'Letters, digits and underscores, e.g. --api-key-env OPENAI_API_KEY.',
    });
  }
  return name;
}

export function checkModelName(name: string): void {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (name.length === 0 || name.length > 200 || /[\s\u0000-\u001f\u007f]/.test(name)) {
    throw invalidInput(`Invalid model name "${name}"`, {
      code: 'MODEL_NAME_INVALID',
      hint: 'A model id as the provider names it (1-200 characters, no spaces), e.g. gpt-4o or llama3:8b.',
    });
  }
}

/** The whole of standard input, trimmed: a key piped in, never typed on a terminal where it would echo. */
export async function readKeyFromStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  const hint =
    'Pipe the key in, e.g. printf %s "$OPENAI_API_KEY" | systemprompt config:provider:add ... --api-key-stdin, or use --api-key-env.';
  if (stdin.isTTY)
    throw invalidInput('--api-key-stdin reads the key from a pipe, not a terminal', {
      code: 'PROVIDER_KEY_STDIN_TTY',
      hint,
    });
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  const key = Buffer.concat(chunks).toString('utf8').trim();
  if (!key) throw invalidInput('--api-key-stdin: standard input was empty', {code: 'PROVIDER_KEY_EMPTY', hint});
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (key.length > 8192 || /[\s\u0000-\u001f\u007f]/.test(key))
    throw invalidInput('--api-key-stdin: the key must be one line without spaces', {
      code: 'PROVIDER_KEY_INVALID',
      hint,
    });
  return key;
}

/** The key change the flags ask for (reading standard input for --api-key-stdin), or undefined. */
export async function keyChangeFromFlags(flags: {
  'api-key-env'?: string | undefined;
  'api-key-stdin'?: boolean | undefined;
  'no-api-key'?: boolean | undefined;
}): Promise<KeyChange | undefined> {
  const given = [
    flags['api-key-env'] !== undefined,
    Boolean(flags['api-key-stdin']),
    Boolean(flags['no-api-key']),
  ].filter(Boolean).length;
  if (given > 1)
    throw invalidInput('Give only one of --api-key-env, --api-key-stdin and --no-api-key', {
      code: 'PROVIDER_KEY_OPTIONS',
      hint: "A provider's key comes from one place.",
    });
  if (flags['api-key-env'] !== undefined) return {source: 'env', variable: checkEnvVariable(flags['api-key-env'])};
  if (flags['api-key-stdin']) return {source: 'stored', key: await readKeyFromStdin()};
  if (flags['no-api-key']) return {source: 'none'};
  return undefined;
}

/** `env:VARIABLE`, `stored` or `none`. */
export const keySource = (row: Pick<ProviderRow, 'apiKeyEnv' | 'apiKeySecret'>): string =>
  row.apiKeyEnv ? `env:${row.apiKeyEnv}` : row.apiKeySecret ? 'stored' : 'none';

/** A provider as it is shown: where its key comes from, never the key. */
export interface ProviderSummary {
  name: string;
  kind: ProviderKind;
  baseUrl: string;
  /** `env:VARIABLE`, `stored` (encrypted in the database) or `none`. */
  apiKey: string;
  modelCount: number;
  /** The registry's default model, when it belongs to this provider. */
  defaultModel: string | null;
}

export interface ModelSummary {
  provider: string;
  name: string;
  default: boolean;
}

export interface ProviderTestReport {
  provider: string;
  ok: boolean;
  status: number;
  latencyMs: number;
  models: string[];
  modelCount: number;
}

const now = () => new Date().toISOString();

/** The event of a registry change, written in the transaction of the change when there is one. */
const emitChange = (api: ConfigModuleApi, actor: Actor, change: ProviderChange, transaction?: EntityManager) =>
  api.events.emit(CONFIG_PROVIDER_CHANGED, change, {actor, subject: change.provider, transaction});

const providerExists = (name: string) =>
  conflict(`Provider "${name}" already exists`, {
    code: 'PROVIDER_EXISTS',
    hint: `Change it with config:provider:update ${name}, or choose another name.`,
  });
const modelExists = (provider: string, model: string) =>
  conflict(`Model "${model}" of provider "${provider}" already exists`, {
    code: 'MODEL_EXISTS',
    hint: `Make it the default with config:model:default ${provider} ${model}.`,
  });

/**
 * The AI provider and model registry: OpenAI-compatible endpoints and Anthropic, each with the
 * source of its API key (an environment variable's name, or the key encrypted with the
 * installation's secret key together with the base URL it may be sent to), and their models, one of
 * which may be the default.
 *
 * Every public method takes the actor first and checks it before it looks anything up: config:read
 * to see or use, config:write to change. Sending a credential somewhere new needs config:secrets
 * (the permission to read it) unless the caller gives the key in the same change: pointing a
 * provider that has a key at another base URL, or taking a key from an environment variable (a
 * credential of whoever runs the provider, which the caller may not be able to read).
 */
export class ProviderService {
  private readonly guard: Guard;

  constructor(private readonly api: ConfigModuleApi) {
    this.guard = new Guard(api.access);
  }

  private get providers() {
    return this.api.db.repository(Provider);
  }

  private get models() {
    return this.api.db.repository(Model);
  }

  private summarize(row: ProviderRow, models: readonly ModelRow[]): ProviderSummary {
    const own = models.filter((model) => model.providerId === row.id);
    return {
      name: row.name,
      kind: row.kind,
      baseUrl: row.baseUrl,
      apiKey: keySource(row),
      modelCount: own.length,
      defaultModel: own.find((model) => Boolean(model.isDefault))?.name ?? null,
    };
  }

  /** The log line and the audit record of a change; names, URLs and key sources only, never a key. */
  private async changed(actor: Actor, permission: string, change: ProviderChange): Promise<void> {
    this.api.logger.info(change, 'AI provider registry changed');
    const {action, provider, ...details} = change;
    await this.guard.record(actor, {
      action: `config.${action}`,
      target: 'model' in details ? `${provider}/${String(details.model)}` : provider,
      result: 'ok',
      permission,
      details,
    });
  }

  async list(actor: Actor): Promise<ProviderSummary[]> {
    await this.guard.authorize(actor, READ, 'config.provider.list');
    const [rows, models] = await Promise.all([this.providers.find({order: {name: 'ASC'}}), this.models.find()]);
    return rows.map((row) => this.summarize(row, models));
  }

  /** One provider, or exit 3. Callers have checked the actor. */
  private async get(name: string, manager?: EntityManager): Promise<ProviderRow> {
    const row = await (manager ? manager.getRepository(Provider) : this.providers).findOneBy({name});
    if (!row)
      throw notFound(`No provider named "${name}"`, {
        code: 'PROVIDER_NOT_FOUND',
        hint: 'See the providers with config:provider.',
      });
    return row;
  }

  async summary(actor: Actor, name: string): Promise<ProviderSummary> {
    await this.guard.authorize(actor, READ, 'config.provider.get', name);
    return this.summaryOf(name);
  }

  private async summaryOf(name: string): Promise<ProviderSummary> {
    const row = await this.get(name);
    return this.summarize(row, await this.models.findBy({providerId: row.id}));
  }

  /** The key columns for a change; a key from standard input is stored encrypted with the URL it is for (not in a dry run). */
  private async keyColumns(
    change: KeyChange,
    baseUrl: string,
    dryRun: boolean,
  ): Promise<Pick<ProviderRow, 'apiKeyEnv' | 'apiKeySecret'>> {
    if (change.source === 'env') return {apiKeyEnv: checkEnvVariable(change.variable), apiKeySecret: null};
    if (change.source === 'none') return {apiKeyEnv: null, apiKeySecret: null};
    return {
      apiKeyEnv: null,
      apiKeySecret: dryRun ? 'enc:dry-run' : await sealKey(this.api.secrets, change.key, baseUrl),
    };
  }

  async add(
    actor: Actor,
    input: {name: string; kind: ProviderKind; baseUrl?: string | undefined; key: KeyChange},
    options: {dryRun?: boolean | undefined} = {},
  ): Promise<ProviderSummary> {
    await this.guard.authorize(actor, WRITE, 'config.provider.add', input.name);
    const dryRun = Boolean(options.dryRun);
    checkProviderName(input.name);
    const baseUrl = checkBaseUrl(input.baseUrl ?? DEFAULT_BASE_URLS[input.kind]);
    if (input.key.source === 'env') {
      checkEnvVariable(input.key.variable);
      await this.guard.authorize(actor, SECRETS, 'config.provider.add', input.name);
    }
    if (await this.providers.existsBy({name: input.name})) throw providerExists(input.name);
    const stamp = now();
    const row = {
      name: input.name,
      kind: input.kind,
      baseUrl,
      ...(await this.keyColumns(input.key, baseUrl, dryRun)),
      createdAt: stamp,
      updatedAt: stamp,
    };
    if (dryRun) return this.summarize({id: 0, ...row}, []);
    try {
      await this.providers.insert(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw providerExists(input.name);
      throw error;
    }
    const summary = await this.summaryOf(input.name);
    const change = {action: 'provider.added', provider: input.name, kind: input.kind, baseUrl, apiKey: summary.apiKey};
    await this.changed(actor, input.key.source === 'env' ? SECRETS : WRITE, change);
    await emitChange(this.api, actor, change);
    return summary;
  }

  /**
   * Changes the base URL and/or the key source. Moving a provider that has a key to another URL
   * without giving the key again, or taking its key from an environment variable, needs config:secrets;
   * a stored key then moves with the URL (sealed again for the new one).
   */
  async update(
    actor: Actor,
    name: string,
    changes: {baseUrl?: string | undefined; key?: KeyChange | undefined},
    options: {dryRun?: boolean | undefined} = {},
  ): Promise<ProviderSummary> {
    await this.guard.authorize(actor, WRITE, 'config.provider.update', name);
    const dryRun = Boolean(options.dryRun);
    if (changes.baseUrl === undefined && changes.key === undefined) {
      throw invalidInput('Nothing to change', {
        code: 'NOTHING_TO_UPDATE',
        hint: 'Give --base-url, --api-key-env, --api-key-stdin or --no-api-key.',
      });
    }
    const baseUrl = changes.baseUrl === undefined ? undefined : checkBaseUrl(changes.baseUrl);
    if (changes.key?.source === 'env') {
      checkEnvVariable(changes.key.variable);
      await this.guard.authorize(actor, SECRETS, 'config.provider.update', name);
    }
    const row = await this.get(name);
    const moves = baseUrl !== undefined && baseUrl !== row.baseUrl;
    const keyStays = changes.key === undefined && Boolean(row.apiKeyEnv || row.apiKeySecret);
    let usedSecrets = changes.key?.source === 'env';
    if (moves && keyStays) {
      await this.guard.authorize(actor, SECRETS, 'config.provider.update', name);
      usedSecrets = true;
    }
    const target = baseUrl ?? row.baseUrl;
    let keys: Pick<ProviderRow, 'apiKeyEnv' | 'apiKeySecret'> = {
      apiKeyEnv: row.apiKeyEnv,
      apiKeySecret: row.apiKeySecret,
    };
    if (changes.key) keys = await this.keyColumns(changes.key, target, dryRun);
    else if (moves && row.apiKeySecret && !dryRun)
      keys = {
        apiKeyEnv: null,
        apiKeySecret: await sealKey(this.api.secrets, (await openStoredKey(row, this.api.secrets)).key, target),
      };
    const updated: ProviderRow = {...row, baseUrl: target, ...keys, updatedAt: now()};
    const models = await this.models.findBy({providerId: row.id});
    if (dryRun) return this.summarize(updated, models);
    await this.providers.update(
      {id: row.id},
      {
        baseUrl: updated.baseUrl,
        apiKeyEnv: updated.apiKeyEnv,
        apiKeySecret: updated.apiKeySecret,
        updatedAt: updated.updatedAt,
      },
    );
    const summary = this.summarize(updated, models);
    const change = {
      action: 'provider.updated',
      provider: name,
      baseUrl: summary.baseUrl,
      ...(moves ? {previousBaseUrl: row.baseUrl} : {}),
      apiKey: summary.apiKey,
    };
    await this.changed(actor, usedSecrets ? SECRETS : WRITE, change);
    await emitChange(this.api, actor, change);
    return summary;
  }

  /** Removes the provider and its models in one transaction; `confirm` is asked once it is found. */
  async remove(
    actor: Actor,
    name: string,
    options: {dryRun?: boolean | undefined; confirm?: ConfirmStep | undefined} = {},
  ): Promise<{name: string; removed: boolean; modelsRemoved: number}> {
    await this.guard.authorize(actor, WRITE, 'config.provider.remove', name);
    const row = await this.get(name);
    const count = await this.models.countBy({providerId: row.id});
    if (options.dryRun) return {name, removed: false, modelsRemoved: count};
    await options.confirm?.(`Remove provider ${name} and its ${count} model${count === 1 ? '' : 's'}?`);
    const change = {action: 'provider.removed', provider: name, modelsRemoved: count};
    await this.api.db.transaction(async (manager) => {
      // The foreign key cascades too; deleting the models first does not depend on it.
      await manager.getRepository(Model).delete({providerId: row.id});
      await manager.getRepository(Provider).delete({id: row.id});
      await emitChange(this.api, actor, change, manager);
    });
    await this.changed(actor, WRITE, change);
    return {name, removed: true, modelsRemoved: count};
  }

  /**
   * What a request to the provider needs, the key resolved now (decrypted, or read from the
   * environment), for code in this process that calls the provider on the actor's behalf.
   */
  async endpoint(actor: Actor, name: string): Promise<ProviderEndpoint> {
    await this.guard.authorize(actor, READ, 'config.provider.use', name);
    return endpointFor(await this.get(name), this.api.secrets);
  }

  /**
   * Asks the provider for its models with its key, at the base URL the key was approved for. Each use
   * of a credential is audited, whether it worked or not (with the URL, never the key).
   */
  async test(actor: Actor, name: string, options: {timeoutMs?: number | undefined} = {}): Promise<ProviderTestReport> {
    await this.guard.authorize(actor, READ, 'config.provider.test', name);
    const row = await this.get(name);
    const used = {baseUrl: row.baseUrl, apiKey: keySource(row)};
    try {
      const endpoint = await endpointFor(row, this.api.secrets);
      const listing = await listProviderModels(endpoint, {timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS});
      await this.guard.record(actor, {
        action: 'config.provider.test',
        target: name,
        result: 'ok',
        permission: READ,
        details: {...used, status: listing.status},
      });
      return {
        provider: endpoint.name,
        ok: true,
        status: listing.status,
        latencyMs: listing.latencyMs,
        models: listing.models,
        modelCount: listing.models.length,
      };
    } catch (error) {
      await this.guard.record(actor, {
        action: 'config.provider.test',
        target: name,
        result: 'failed',
        permission: READ,
        details: {...used, code: (error as {code?: unknown}).code ?? 'UNEXPECTED'},
      });
      throw error;
    }
  }

  // ---- models ---------------------------------------------------------------------------------

  async listModels(actor: Actor, provider?: string): Promise<ModelSummary[]> {
    await this.guard.authorize(actor, READ, 'config.model.list', provider ?? null);
    const providers = provider ? [await this.get(provider)] : await this.providers.find({order: {name: 'ASC'}});
    const names = new Map(providers.map((row) => [row.id, row.name]));
    const rows = await this.models.find({order: {name: 'ASC'}});
    return rows
      .filter((row) => names.has(row.providerId))
      .map((row) => ({provider: names.get(row.providerId)!, name: row.name, default: Boolean(row.isDefault)}))
      .sort((a, b) => a.provider.localeCompare(b.provider) || a.name.localeCompare(b.name));
  }

  private async findModel(
    manager: EntityManager,
    provider: string,
    model: string,
  ): Promise<{provider: ProviderRow; model: ModelRow}> {
    const row = await this.get(provider, manager);
    const found = await manager.getRepository(Model).findOneBy({providerId: row.id, name: model});
    if (!found)
      throw notFound(`Provider "${provider}" has no model "${model}"`, {
        code: 'MODEL_NOT_FOUND',
        hint: `See its models with config:model --provider ${provider}.`,
      });
    return {provider: row, model: found};
  }

  async addModel(
    actor: Actor,
    provider: string,
    model: string,
    options: {makeDefault?: boolean | undefined; dryRun?: boolean | undefined} = {},
  ): Promise<ModelSummary> {
    await this.guard.authorize(actor, WRITE, 'config.model.add', `${provider}/${model}`);
    checkModelName(model);
    const makeDefault = Boolean(options.makeDefault);
    const result = {provider, name: model, default: makeDefault};
    const change = {action: 'model.added', provider, model, default: makeDefault};
    await this.api.db.transaction(async (manager) => {
      const row = await this.get(provider, manager);
      const models = manager.getRepository(Model);
      if (await models.existsBy({providerId: row.id, name: model})) throw modelExists(provider, model);
      if (options.dryRun) return;
      if (makeDefault) await models.update({isDefault: true}, {isDefault: false});
      try {
        await models.insert({providerId: row.id, name: model, isDefault: makeDefault, createdAt: now()});
      } catch (error) {
        if (isUniqueViolation(error)) throw modelExists(provider, model);
        throw error;
      }
      await emitChange(this.api, actor, change, manager);
    });
    if (!options.dryRun) await this.changed(actor, WRITE, change);
    return result;
  }

  async removeModel(
    actor: Actor,
    provider: string,
    model: string,
    options: {dryRun?: boolean | undefined} = {},
  ): Promise<ModelSummary & {removed: boolean}> {
    await this.guard.authorize(actor, WRITE, 'config.model.remove', `${provider}/${model}`);
    const dryRun = Boolean(options.dryRun);
    const change = {action: 'model.removed', provider, model};
    const found = await this.api.db.transaction(async (manager) => {
      const {model: row} = await this.findModel(manager, provider, model);
      if (!dryRun) {
        await manager.getRepository(Model).delete({id: row.id});
        await emitChange(this.api, actor, change, manager);
      }
      return row;
    });
    if (!dryRun) await this.changed(actor, WRITE, change);
    return {provider, name: model, default: Boolean(found.isDefault), removed: !dryRun};
  }

  /** Makes this model the one default of the registry: others cleared and this one set, in one transaction. */
  async setDefault(
    actor: Actor,
    provider: string,
    model: string,
    options: {dryRun?: boolean | undefined} = {},
  ): Promise<ModelSummary & {previous: {provider: string; name: string} | null}> {
    await this.guard.authorize(actor, WRITE, 'config.model.default', `${provider}/${model}`);
    const dryRun = Boolean(options.dryRun);
    const change = {action: 'model.default', provider, model};
    const previous = await this.api.db.transaction(async (manager) => {
      const {model: row} = await this.findModel(manager, provider, model);
      const models = manager.getRepository(Model);
      const before = await models.findOneBy({isDefault: true});
      const beforeProvider = before ? await manager.getRepository(Provider).findOneBy({id: before.providerId}) : null;
      if (!dryRun) {
        await models.update({isDefault: true}, {isDefault: false});
        await models.update({id: row.id}, {isDefault: true});
        await emitChange(this.api, actor, change, manager);
      }
      return before && beforeProvider ? {provider: beforeProvider.name, name: before.name} : null;
    });
    if (!dryRun) await this.changed(actor, WRITE, change);
    return {provider, name: model, default: true, previous};
  }
}
