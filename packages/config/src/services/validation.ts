import {configFromEnv, envVariableFor, type AccessProvider, type Actor} from '@systemprompt/core';
import {
  canDecrypt,
  flatten,
  isEncrypted,
  readConfigLayers,
  type ConfigLayerInputs,
  type SecretBox,
} from '@systemprompt/core/config';
import type {ProviderRow} from '../entities.js';
import {problemsIn, type Problem} from './check.js';
import {READ} from './permissions.js';
import {openStoredKey} from './provider-client.js';
import type {SchemaCatalog} from './schema-catalog.js';

/** A stored secret that the current secret key cannot decrypt: named, never shown. */
export interface UnreadableSecret {
  /** `database.url`, or `provider openai`. */
  secret: string;
  /** Where it is stored: a configuration layer, or the provider registry. */
  source: 'file' | 'env' | 'runtime' | 'provider';
}

export interface ValidationReport {
  problems: Problem[];
  unreadableSecrets: UnreadableSecret[];
}

const withoutPath = (values: Record<string, unknown>, path: string): void => {
  const parts = path.split('.');
  let node: Record<string, unknown> | undefined = values;
  for (const part of parts.slice(0, -1)) node = node?.[part] as Record<string, unknown> | undefined;
  if (node) delete node[parts.at(-1)!];
};

/**
 * The encrypted values of every layer that the secret key cannot open, and the layers without them
 * (so each module's other values are still checked instead of the whole module failing on one).
 * Runtime values of host-only settings are left out: they are never used.
 */
async function unreadableIn(
  catalog: SchemaCatalog,
  inputs: ConfigLayerInputs,
  secrets: SecretBox,
): Promise<{unreadable: UnreadableSecret[]; readable: ConfigLayerInputs}> {
  const unreadable: UnreadableSecret[] = [];
  const readable: ConfigLayerInputs = structuredClone(inputs);
  for (const [module, entry] of catalog.modules) {
    const hostOnly = catalog
      .settings(module)
      .filter((spec) => spec.hostOnly)
      .map((spec) => spec.path);
    const layers: Array<[UnreadableSecret['source'], Record<string, unknown>]> = [
      ['file', inputs.file[module] ?? {}],
      ['env', configFromEnv(module, entry.schema, inputs.env)],
      ['runtime', inputs.runtime[module] ?? {}],
    ];
    for (const [source, values] of layers) {
      for (const [path, value] of flatten(values)) {
        if (source === 'runtime' && hostOnly.includes(path)) continue;
        if (!isEncrypted(value) || (await canDecrypt(secrets, value))) continue;
        unreadable.push({secret: `${module}.${path}`, source});
        if (source === 'env') delete readable.env[envVariableFor(module, path.split('.')[0]!)];
        else withoutPath((source === 'file' ? readable.file : readable.runtime)[module] ?? {}, path);
      }
    }
  }
  return {unreadable, readable};
}

/**
 * Every module's configuration checked against its schema (all layers together, runtime settings
 * from their cache, so it works when the database does not), and every stored secret that the
 * current secret key cannot decrypt: configuration values, and the providers' keys when `providers`
 * can be read. Needs config:read.
 */
export async function validateConfiguration(
  actor: Actor,
  access: AccessProvider,
  input: {
    catalog: SchemaCatalog;
    configDirectory: string;
    secrets: SecretBox;
    providers?: (() => Promise<ProviderRow[]>) | undefined;
  },
): Promise<ValidationReport> {
  await access.authorize(actor, READ, 'config.validate');
  const {unreadable, readable} = await unreadableIn(
    input.catalog,
    await readConfigLayers(input.configDirectory),
    input.secrets,
  );
  const problems = await problemsIn(input.catalog, readable, input.secrets);
  for (const row of input.providers ? await input.providers() : []) {
    if (!row.apiKeySecret) continue;
    try {
      const stored = await openStoredKey(row, input.secrets);
      if (stored.baseUrl !== row.baseUrl)
        problems.push({
          module: 'config',
          problem: `Provider "${row.name}": its stored API key was approved for another base URL than ${row.baseUrl}, so it is not sent`,
        });
    } catch {
      unreadable.push({secret: `provider ${row.name}`, source: 'provider'});
    }
  }
  for (const secret of unreadable) {
    problems.push({
      module: secret.source === 'provider' ? 'config' : secret.secret.split('.')[0]!,
      problem: `${secret.secret}: the stored secret (${secret.source === 'provider' ? 'API key' : `${secret.source} layer`}) cannot be decrypted with the current secret key (${input.secrets.keySource})`,
    });
  }
  return {problems, unreadableSecrets: unreadable};
}
