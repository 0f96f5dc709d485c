import {permissionDenied, unavailable} from '@systemprompt/core';
import {SECRET_KEY_ENV, SECRET_KEY_FILE_ENV, type SecretBox} from '@systemprompt/core/config';
import type {ProviderRow} from '../entities.js';

/** What a request to a provider needs; `apiKey` is the key in clear, so this never leaves the process. */
export interface ProviderEndpoint {
  name: string;
  kind: ProviderRow['kind'];
  baseUrl: string;
  apiKey: string | undefined;
}

export interface ModelListing {
  status: number;
  latencyMs: number;
  /** Model ids, from `data[].id`. */
  models: string[];
}

export const ANTHROPIC_VERSION = '2023-06-01';
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * What is stored for a provider's key: the key together with the base URL it was approved for,
 * encrypted as one value, so the key is only ever sent where the person who supplied it (or a holder
 * of config:secrets) pointed it. A base URL changed behind the service's back (in the database by
 * hand) no longer matches, and the key stays home.
 */
export interface StoredKey {
  key: string;
  baseUrl: string;
}

export const sealKey = (secrets: SecretBox, key: string, baseUrl: string): Promise<string> =>
  secrets.encrypt({key, baseUrl} satisfies StoredKey);

/** The stored key and the URL it was approved for; exit 6 when it cannot be decrypted. */
export async function openStoredKey(
  row: Pick<ProviderRow, 'name' | 'baseUrl' | 'apiKeySecret'>,
  secrets: SecretBox,
): Promise<StoredKey> {
  const unreadable = () =>
    unavailable(`The stored API key of provider "${row.name}" is not readable`, {
      code: 'PROVIDER_KEY_UNREADABLE',
      hint: `Store it again with config:provider:update ${row.name} --api-key-stdin.`,
    });
  let value: unknown;
  try {
    value = await secrets.decrypt(row.apiKeySecret ?? '');
  } catch (error) {
    // The secret box explains a missing or different secret key (SYSTEMPROMPT_SECRET_KEY); keep its words.
    throw unavailable(`The stored API key of provider "${row.name}" cannot be read: ${(error as Error).message}`, {
      code: 'PROVIDER_KEY_UNREADABLE',
      hint: `Use the secret key it was stored with (hosts that share a database need the same ${SECRET_KEY_ENV} or ${SECRET_KEY_FILE_ENV}), or store it again with config:provider:update ${row.name} --api-key-stdin.`,
      cause: error,
    });
  }
  // A bare string was stored before keys were bound to their URL: it is taken as approved for the current one.
  if (typeof value === 'string' && value) return {key: value, baseUrl: row.baseUrl};
  const stored = value as Partial<StoredKey> | null;
  if (!stored || typeof stored.key !== 'string' || !stored.key || typeof stored.baseUrl !== 'string')
    throw unreadable();
  return {key: stored.key, baseUrl: stored.baseUrl};
}

/** The endpoint of a provider with its key resolved now: decrypted, or read from the environment. */
export async function endpointFor(row: ProviderRow, secrets: SecretBox): Promise<ProviderEndpoint> {
  const endpoint = {name: row.name, kind: row.kind, baseUrl: row.baseUrl};
  if (row.apiKeyEnv) {
    const value = process.env[row.apiKeyEnv]?.trim();
    if (!value) {
      throw unavailable(`The API key of provider "${row.name}" comes from ${row.apiKeyEnv}, which is not set`, {
        code: 'PROVIDER_KEY_ENV_UNSET',
        hint: `Set ${row.apiKeyEnv} in the environment, or store the key with config:provider:update ${row.name} --api-key-stdin.`,
      });
    }
    return {...endpoint, apiKey: value};
  }
  if (!row.apiKeySecret) return {...endpoint, apiKey: undefined};
  const stored = await openStoredKey(row, secrets);
  if (stored.baseUrl !== row.baseUrl) {
    throw permissionDenied(
      `The stored API key of provider "${row.name}" was approved for another base URL, not ${row.baseUrl}: it is not sent there`,
      {
        code: 'PROVIDER_URL_NOT_APPROVED',
        hint: `Give the key again for this URL (config:provider:update ${row.name} --api-key-stdin), or have a holder of config:secrets set the base URL with config:provider:update.`,
      },
    );
  }
  return {...endpoint, apiKey: stored.key};
}

/** The model-list request of each kind of provider. */
export function modelListRequest(endpoint: ProviderEndpoint): {url: string; headers: Record<string, string>} {
  const headers: Record<string, string> = {accept: 'application/json'};
  if (endpoint.kind === 'anthropic') {
    headers['anthropic-version'] = ANTHROPIC_VERSION;
    if (endpoint.apiKey) headers['x-api-key'] = endpoint.apiKey;
  } else if (endpoint.apiKey) {
    headers.authorization = `Bearer ${endpoint.apiKey}`;
  }
  return {url: `${endpoint.baseUrl}/models`, headers};
}

const isTimeout = (error: unknown) =>
  error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');

/** The code (ECONNREFUSED, ENOTFOUND...) or message of a failed fetch; undici puts it in `cause`. */
function reason(error: unknown): string {
  const cause = (error as {cause?: {code?: unknown; message?: unknown}}).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string' && cause.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Asks the provider for its models (`GET {baseUrl}/models`) within `timeoutMs`, the key in the
 * header its kind expects. Refused credentials are exit 4; anything that keeps the answer from
 * arriving or being read (network, time-out, redirect, other HTTP errors, not JSON) is exit 6.
 * Error messages name the provider and its URL, never the key, and never quote the response body.
 */
export async function listProviderModels(
  endpoint: ProviderEndpoint,
  options: {timeoutMs?: number} = {},
): Promise<ModelListing> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const {url, headers} = modelListRequest(endpoint);
  const name = endpoint.name;
  const started = performance.now();
  const timedOut = () =>
    unavailable(`Provider "${name}" did not answer within ${timeoutMs} ms`, {
      code: 'PROVIDER_TIMEOUT',
      hint: 'Check that the server is running, or raise --timeout.',
      details: {url},
    });
  let response: Response;
  try {
    // A redirect is not followed: it would carry the key to another address.
    response = await fetch(url, {headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs)});
  } catch (error) {
    if (isTimeout(error)) throw timedOut();
    throw unavailable(`Provider "${name}" cannot be reached at ${url}: ${reason(error)}`, {
      code: 'PROVIDER_UNREACHABLE',
      hint: `Check the provider's --base-url and that the server is running.`,
      details: {url},
    });
  }
  const status = response.status;
  if (status === 401 || status === 403) {
    await response.body?.cancel().catch(() => {});
    throw permissionDenied(
      `Provider "${name}" refused the request (HTTP ${status}): ${endpoint.apiKey ? 'the API key was not accepted' : 'it needs an API key'}`,
      {
        code: 'PROVIDER_AUTH_FAILED',
        hint: `Set its key with config:provider:update ${name} --api-key-env VAR or --api-key-stdin.`,
        details: {status},
      },
    );
  }
  if (status < 200 || status >= 300) {
    await response.body?.cancel().catch(() => {});
    const location = status >= 300 && status < 400 ? response.headers.get('location') : null;
    throw unavailable(
      `Provider "${name}" answered HTTP ${status} at ${url}${location ? `, redirecting to ${location}` : ''}`,
      {
        code: 'PROVIDER_HTTP_ERROR',
        hint: location
          ? 'Set --base-url to where it redirects.'
          : `Check the provider's --base-url (its model list should be at ${url}).`,
        details: {status, url},
      },
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch (error) {
    if (isTimeout(error)) throw timedOut();
    throw unavailable(`Provider "${name}" did not answer with JSON at ${url}`, {
      code: 'PROVIDER_BAD_RESPONSE',
      hint: 'Check that --base-url is the API root (for OpenAI-compatible servers it usually ends in /v1).',
      details: {status, url},
    });
  }
  const data = (body as {data?: unknown} | null)?.data;
  if (!Array.isArray(data)) {
    throw unavailable(`Provider "${name}" answered without a model list (no "data" array) at ${url}`, {
      code: 'PROVIDER_BAD_RESPONSE',
      hint: 'Check that --base-url is the API root and that the provider is of this --kind.',
      details: {status, url},
    });
  }
  const models = data
    .map((item) => (item as {id?: unknown} | null)?.id)
    .filter((id): id is string => typeof id === 'string');
  return {status, latencyMs: Math.round(performance.now() - started), models};
}
