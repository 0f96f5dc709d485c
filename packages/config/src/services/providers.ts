import {conflict, invalidInput, notFound} from '@systemprompt/core';
import type {EntityManager} from '@systemprompt/database/schema';
import {Model, Provider, type ModelRow, type ProviderRow} from '../entities.js';
import type {ConfigModuleApi} from '../index.js';
import {endpointFor, type ProviderEndpoint} from './provider-client.js';

export type ProviderKind = ProviderRow['kind'];
export const PROVIDER_KINDS = ['openai', 'anthropic'] as const satisfies readonly ProviderKind[];
/** `openai` is any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, LM Studio, OpenRouter): give its --base-url. */
export const DEFAULT_BASE_URLS: Record<ProviderKind, string> = {openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com/v1'};

/** How a command changes a provider's key: an environment variable's name, a key to store, or none. */
export type KeyChange = {source: 'env'; variable: string} | {source: 'stored'; key: string} | {source: 'none'};

// ---- validation: messages name the flag, never echo what could be a key --------------------------

export function checkProviderName(name: string): void {
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(name)) {
    throw invalidInput(`Invalid provider name "${name}"`, {code: 'PROVIDER_NAME_INVALID', hint: 'Use lower-case letters, digits and dashes (at most 64), starting with a letter or digit.'});
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
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidInput(`--base-url must be an http or https URL, not ${url.protocol}`, {code: 'PROVIDER_URL_INVALID', hint});
  if (url.username || url.password) throw invalidInput('--base-url must not contain credentials', {code: 'PROVIDER_URL_INVALID', hint: 'Give the key with --api-key-env or --api-key-stdin.'});
  if (url.search || url.hash) throw invalidInput('--base-url must not have a query or a fragment', {code: 'PROVIDER_URL_INVALID', hint});
  const normalized = url.href.replace(/\/+$/, '');
  if (normalized.length > 500) throw invalidInput('--base-url is longer than 500 characters', {code: 'PROVIDER_URL_INVALID', hint});
  return normalized;
}

export function checkEnvVariable(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name)) {
    throw invalidInput('--api-key-env takes the name of an environment variable, not a key', {code: 'PROVIDER_KEY_ENV_INVALID', hint: 'Letters, digits and underscores, e.g. --api-key-env OPENAI_API_KEY.'});
  }
  return name;
}

export function checkModelName(name: string): void {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (name.length === 0 || name.length > 200 || /[\s\u0000-\u001f\u007f]/.test(name)) {
    throw invalidInput(`Invalid model name "${name}"`, {code: 'MODEL_NAME_INVALID', hint: 'A model id as the provider names it (1-200 characters, no spaces), e.g. gpt-4o or llama3:8b.'});
  }
}

/** The whole of standard input, trimmed: a key piped in, never typed on a terminal where it would echo. */
export async function readKeyFromStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  const hint = 'Pipe the key in, e.g. printf %s "$OPENAI_API_KEY" | systemprompt config:provider:add ... --api-key-stdin, or use --api-key-env.';
  if (stdin.isTTY) throw invalidInput('--api-key-stdin reads the key from a pipe, not a terminal', {code: 'PROVIDER_KEY_STDIN_TTY', hint});
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  const key = Buffer.concat(chunks).toString('utf8').trim();
  if (!key) throw invalidInput('--api-key-stdin: standard input was empty', {code: 'PROVIDER_KEY_EMPTY', hint});
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (key.length > 8192 || /[\s\u0000-\u001f\u007f]/.test(key)) throw invalidInput('--api-key-stdin: the key must be one line without spaces', {code: 'PROVIDER_KEY_INVALID', hint});
  return key;
}

/** The key change the flags ask for (reading standard input for --api-key-stdin), or undefined. */
export async function keyChangeFromFlags(flags: {'api-key-env'?: string | undefined; 'api-key-stdin'?: boolean | undefined; 'no-api-key'?: boolean | undefined}): Promise<KeyChange | undefined> {
  const given = [flags['api-key-env'] !== undefined, Boolean(flags['api-key-stdin']), Boolean(flags['no-api-key'])].filter(Boolean).length;
  if (given > 1) throw invalidInput('Give only one of --api-key-env, --api-key-stdin and --no-api-key', {code: 'PROVIDER_KEY_OPTIONS', hint: 'A provider\'s key comes from one place.'});
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

export const PROVIDER_CHANGED = 'config.provider.changed';

const now = () => new Date().toISOString();
const UNIQUE_VIOLATIONS = new Set(['ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const isUniqueViolation = (error: unknown): boolean => {
  const driver = (error as {driverError?: {code?: unknown}}).driverError ?? (error as {code?: unknown});
  return UNIQUE_VIOLATIONS.has(String(driver?.code));
};

const providerExists = (name: string) =>
  conflict(`Provider "${name}" already exists`, {code: 'PROVIDER_EXISTS', hint: `Change it with config:provider:update ${name}, or choose another name.`});
const modelExists = (provider: string, model: string) =>
  conflict(`Model "${model}" of provider "${provider}" already exists`, {code: 'MODEL_EXISTS', hint: `Make it the default with config:model:default ${provider} ${model}.`});

/**
 * The AI provider and model registry: OpenAI-compatible endpoints and Anthropic, each with the
 * source of its API key (an environment variable's name, or the key encrypted with the
 * installation's secret key), and their models, one of which may be the default.
 */
export class ProviderService {
  constructor(private readonly api: ConfigModuleApi) {}

  private get providers() {
    return this.api.db.repository(Provider);
  }

  private get models() {
    return this.api.db.repository(Model);
  }

  private summarize(row: ProviderRow, models: readonly ModelRow[]): ProviderSummary {
    const own = models.filter((model) => model.providerId === row.id);
    return {
      name: row.name, kind: row.kind, baseUrl: row.baseUrl, apiKey: keySource(row), modelCount: own.length,
      defaultModel: own.find((model) => Boolean(model.isDefault))?.name ?? null,
    };
  }

  private async changed(payload: Record<string, unknown>): Promise<void> {
    // Names and sources only: a key never goes into an event or a log line.
    this.api.logger.info(payload, 'AI provider registry changed');
    await this.api.events.emit(PROVIDER_CHANGED, payload);
  }

  async list(): Promise<ProviderSummary[]> {
    const [rows, models] = await Promise.all([this.providers.find({order: {name: 'ASC'}}), this.models.find()]);
    return rows.map((row) => this.summarize(row, models));
  }

  /** One provider, or exit 3. */
  async get(name: string, manager?: EntityManager): Promise<ProviderRow> {
    const row = await (manager ? manager.getRepository(Provider) : this.providers).findOneBy({name});
    if (!row) throw notFound(`No provider named "${name}"`, {code: 'PROVIDER_NOT_FOUND', hint: 'See the providers with config:provider.'});
    return row;
  }

  async summary(name: string): Promise<ProviderSummary> {
    const row = await this.get(name);
    return this.summarize(row, await this.models.findBy({providerId: row.id}));
  }

  /** The key columns for a change; a key from standard input is stored encrypted (not in a dry run). */
  private async keyColumns(change: KeyChange, dryRun: boolean): Promise<Pick<ProviderRow, 'apiKeyEnv' | 'apiKeySecret'>> {
    if (change.source === 'env') return {apiKeyEnv: checkEnvVariable(change.variable), apiKeySecret: null};
    if (change.source === 'none') return {apiKeyEnv: null, apiKeySecret: null};
    return {apiKeyEnv: null, apiKeySecret: dryRun ? 'enc:dry-run' : await this.api.secrets.encrypt(change.key)};
  }

  async add(input: {name: string; kind: ProviderKind; baseUrl?: string | undefined; key: KeyChange}, dryRun = false): Promise<ProviderSummary> {
    checkProviderName(input.name);
    const baseUrl = checkBaseUrl(input.baseUrl ?? DEFAULT_BASE_URLS[input.kind]);
    if (input.key.source === 'env') checkEnvVariable(input.key.variable);
    if (await this.providers.existsBy({name: input.name})) throw providerExists(input.name);
    const stamp = now();
    const row = {name: input.name, kind: input.kind, baseUrl, ...(await this.keyColumns(input.key, dryRun)), createdAt: stamp, updatedAt: stamp};
    if (dryRun) return this.summarize({id: 0, ...row}, []);
    try {
      await this.providers.insert(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw providerExists(input.name);
      throw error;
    }
    const summary = await this.summary(input.name);
    await this.changed({action: 'provider.added', provider: input.name, kind: input.kind, baseUrl, apiKey: summary.apiKey});
    return summary;
  }

  async update(name: string, changes: {baseUrl?: string | undefined; key?: KeyChange | undefined}, dryRun = false): Promise<ProviderSummary> {
    if (changes.baseUrl === undefined && changes.key === undefined) {
      throw invalidInput('Nothing to change', {code: 'NOTHING_TO_UPDATE', hint: 'Give --base-url, --api-key-env, --api-key-stdin or --no-api-key.'});
    }
    const baseUrl = changes.baseUrl === undefined ? undefined : checkBaseUrl(changes.baseUrl);
    if (changes.key?.source === 'env') checkEnvVariable(changes.key.variable);
    const row = await this.get(name);
    const updated: ProviderRow = {
      ...row, ...(baseUrl ? {baseUrl} : {}), ...(changes.key ? await this.keyColumns(changes.key, dryRun) : {}), updatedAt: now(),
    };
    const models = await this.models.findBy({providerId: row.id});
    if (dryRun) return this.summarize(updated, models);
    await this.providers.update({id: row.id}, {baseUrl: updated.baseUrl, apiKeyEnv: updated.apiKeyEnv, apiKeySecret: updated.apiKeySecret, updatedAt: updated.updatedAt});
    const summary = this.summarize(updated, models);
    await this.changed({action: 'provider.updated', provider: name, baseUrl: summary.baseUrl, apiKey: summary.apiKey});
    return summary;
  }

  async modelCount(name: string): Promise<number> {
    return this.models.countBy({providerId: (await this.get(name)).id});
  }

  /** Removes the provider and its models in one transaction. */
  async remove(name: string, dryRun = false): Promise<{name: string; removed: boolean; modelsRemoved: number}> {
    const row = await this.get(name);
    const count = await this.models.countBy({providerId: row.id});
    if (dryRun) return {name, removed: false, modelsRemoved: count};
    await this.api.db.transaction(async (manager) => {
      // The foreign key cascades too; deleting the models first does not depend on it.
      await manager.getRepository(Model).delete({providerId: row.id});
      await manager.getRepository(Provider).delete({id: row.id});
    });
    await this.changed({action: 'provider.removed', provider: name, modelsRemoved: count});
    return {name, removed: true, modelsRemoved: count};
  }

  /** What a request to the provider needs, the key resolved now (decrypted, or read from the environment). */
  async endpoint(name: string): Promise<ProviderEndpoint> {
    return endpointFor(await this.get(name), this.api.secrets);
  }

  // ---- models ---------------------------------------------------------------------------------

  async listModels(provider?: string): Promise<ModelSummary[]> {
    const providers = provider ? [await this.get(provider)] : await this.providers.find({order: {name: 'ASC'}});
    const names = new Map(providers.map((row) => [row.id, row.name]));
    const rows = await this.models.find({order: {name: 'ASC'}});
    return rows
      .filter((row) => names.has(row.providerId))
      .map((row) => ({provider: names.get(row.providerId)!, name: row.name, default: Boolean(row.isDefault)}))
      .sort((a, b) => a.provider.localeCompare(b.provider) || a.name.localeCompare(b.name));
  }

  private async findModel(manager: EntityManager, provider: string, model: string): Promise<{provider: ProviderRow; model: ModelRow}> {
    const row = await this.get(provider, manager);
    const found = await manager.getRepository(Model).findOneBy({providerId: row.id, name: model});
    if (!found) throw notFound(`Provider "${provider}" has no model "${model}"`, {code: 'MODEL_NOT_FOUND', hint: `See its models with config:model --provider ${provider}.`});
    return {provider: row, model: found};
  }

  async addModel(provider: string, model: string, options: {makeDefault?: boolean; dryRun?: boolean} = {}): Promise<ModelSummary> {
    checkModelName(model);
    const makeDefault = Boolean(options.makeDefault);
    const result = {provider, name: model, default: makeDefault};
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
    });
    if (!options.dryRun) await this.changed({action: 'model.added', provider, model, default: makeDefault});
    return result;
  }

  async removeModel(provider: string, model: string, dryRun = false): Promise<ModelSummary & {removed: boolean}> {
    const found = await this.api.db.transaction(async (manager) => {
      const {model: row} = await this.findModel(manager, provider, model);
      if (!dryRun) await manager.getRepository(Model).delete({id: row.id});
      return row;
    });
    if (!dryRun) await this.changed({action: 'model.removed', provider, model});
    return {provider, name: model, default: Boolean(found.isDefault), removed: !dryRun};
  }

  /** Makes this model the one default of the registry: others cleared and this one set, in one transaction. */
  async setDefault(provider: string, model: string, dryRun = false): Promise<ModelSummary & {previous: {provider: string; name: string} | null}> {
    const previous = await this.api.db.transaction(async (manager) => {
      const {model: row} = await this.findModel(manager, provider, model);
      const models = manager.getRepository(Model);
      const before = await models.findOneBy({isDefault: true});
      const beforeProvider = before ? await manager.getRepository(Provider).findOneBy({id: before.providerId}) : null;
      if (!dryRun) {
        await models.update({isDefault: true}, {isDefault: false});
        await models.update({id: row.id}, {isDefault: true});
      }
      return before && beforeProvider ? {provider: beforeProvider.name, name: before.name} : null;
    });
    if (!dryRun) await this.changed({action: 'model.default', provider, model});
    return {provider, name: model, default: true, previous};
  }
}
