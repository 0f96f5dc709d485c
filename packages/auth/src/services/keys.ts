import {existsSync} from 'node:fs';
import {mkdir, readFile, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {
  conflict,
  invalidInput,
  notFound,
  unavailable,
  writeFileAtomic,
  type Actor,
  type ConfirmStep,
  type EventBus,
} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import type {UsersApi} from '@systemprompt/users';
import type {CryptoKey, JWK} from 'jose';
import {SigningKey, type SigningKeyRow} from '../entities.js';
import {AUTH_KEY_GENERATED, AUTH_KEY_RETIRED} from '../events.js';

export const KEY_ALGORITHMS = ['EdDSA', 'RS256'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** A signing key as shown: never its private part. */
export interface SigningKeyView {
  kid: string;
  alg: KeyAlgorithm;
  status: SigningKeyRow['status'];
  createdAt: string;
  retiredAt: string | null;
  /** Whether this host holds the private key (`<config>/keys/<kid>.json`). */
  privateKey: boolean;
}

export interface Jwks {
  keys: JWK[];
}

const jose = () => import('jose');

/**
 * Keys that sign tokens. The newest key is `active` and signs; generating another makes the older
 * ones `verify-only`: tokens they signed still verify until the key is `retired`. The private key
 * is a JWK file of mode 600 in `<config>/keys`; the database holds only the public JWK.
 */
export class SigningKeyService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly users: UsersApi,
    private readonly directory: string,
    private readonly events: EventBus,
  ) {}

  private privateFile(kid: string): string {
    return join(this.directory, `${kid}.json`);
  }

  private view(row: SigningKeyRow): SigningKeyView {
    return {
      kid: row.kid,
      alg: row.alg,
      status: row.status,
      createdAt: row.createdAt,
      retiredAt: row.retiredAt,
      privateKey: existsSync(this.privateFile(row.kid)),
    };
  }

  async generate(actor: Actor, alg: KeyAlgorithm = 'EdDSA'): Promise<SigningKeyView> {
    await this.users.access.authorize(actor, 'auth:keys', 'auth.generate-key');
    if (!KEY_ALGORITHMS.includes(alg))
      throw invalidInput(`--alg must be one of ${KEY_ALGORITHMS.join(', ')}`, {code: 'KEY_ALG_INVALID'});
    const {generateKeyPair, exportJWK, calculateJwkThumbprint} = await jose();
    const {publicKey, privateKey} = await generateKeyPair(alg, {extractable: true});
    const publicJwk = await exportJWK(publicKey);
    // The RFC 7638 thumbprint: a kid that names exactly this key.
    const kid = await calculateJwkThumbprint(publicJwk);
    const file = this.privateFile(kid);
    await mkdir(this.directory, {recursive: true, mode: 0o700});
    await writeFileAtomic(file, `${JSON.stringify({...(await exportJWK(privateKey)), kid, alg, use: 'sig'})}\n`, {
      mode: 0o600,
    });
    const row: SigningKeyRow = {
      kid,
      alg,
      publicJwk: JSON.stringify({...publicJwk, kid, alg, use: 'sig'}),
      status: 'active',
      createdAt: new Date().toISOString(),
      retiredAt: null,
    };
    try {
      await this.db.transaction(async (manager) => {
        await manager.getRepository(SigningKey).update({status: 'active'}, {status: 'verify-only'});
        await manager.getRepository(SigningKey).insert(row);
        await this.events.emit(AUTH_KEY_GENERATED, {kid, alg}, {transaction: manager, actor, subject: kid});
      });
    } catch (error) {
      await rm(file, {force: true});
      throw error;
    }
    await this.users.audit.record(actor, {
      action: 'auth.generate-key',
      target: kid,
      result: 'ok',
      permission: 'auth:keys',
      details: {alg},
    });
    return this.view(row);
  }

  async list(actor: Actor): Promise<SigningKeyView[]> {
    await this.users.access.authorize(actor, 'auth:read', 'auth.list-keys');
    return (await this.rows()).map((row) => this.view(row));
  }

  /** Newest first. */
  private rows(): Promise<SigningKeyRow[]> {
    return this.db.repository(SigningKey).find({order: {createdAt: 'DESC'}});
  }

  /** What a server publishes: the public keys that still verify (not retired). */
  async jwks(): Promise<Jwks> {
    return {
      keys: (await this.rows())
        .filter((row) => row.status !== 'retired')
        .map((row) => JSON.parse(row.publicJwk) as JWK),
    };
  }

  /**
   * Retires a key: it leaves the JWKS and its private key file is deleted. The permission comes
   * first, then the look-up, then `confirm` (when given), then the change.
   */
  async retire(
    actor: Actor,
    kid: string,
    options: {confirm?: ConfirmStep} = {},
  ): Promise<SigningKeyView & {signingKey: string | null}> {
    await this.users.access.authorize(actor, 'auth:keys', 'auth.retire-key', kid);
    const row = await this.find(kid);
    if (row.status === 'retired') throw conflict(`Key ${kid} is already retired`, {code: 'KEY_RETIRED'});
    await options.confirm?.(
      `Retire ${row.status} signing key ${row.kid}? Tokens it signed stop verifying and its private key is deleted.`,
    );
    const retiredAt = new Date().toISOString();
    await this.db.repository(SigningKey).update({kid}, {status: 'retired', retiredAt});
    await rm(this.privateFile(kid), {force: true});
    await this.users.audit.record(actor, {
      action: 'auth.retire-key',
      target: kid,
      result: 'ok',
      permission: 'auth:keys',
      details: {was: row.status},
    });
    await this.events.emit(AUTH_KEY_RETIRED, {kid}, {actor, subject: kid});
    const active = await this.db.repository(SigningKey).findOneBy({status: 'active'});
    return {...this.view({...row, status: 'retired', retiredAt}), signingKey: active?.kid ?? null};
  }

  /** A key by kid; no permission check (callers check theirs first). */
  async find(kid: string): Promise<SigningKeyRow> {
    const row = await this.db.repository(SigningKey).findOneBy({kid});
    if (!row)
      throw notFound(`No signing key ${JSON.stringify(kid.slice(0, 100))}`, {
        code: 'KEY_NOT_FOUND',
        hint: 'See auth:generatekey --list.',
      });
    return row;
  }

  /**
   * The private JWKs of the keys that still verify and whose private file is on this host, the active
   * key first: what an authorization server of this host signs with.
   */
  async privateJwks(): Promise<JWK[]> {
    const rows = (await this.rows())
      .filter((row) => row.status !== 'retired')
      .sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active'));
    const found: JWK[] = [];
    for (const row of rows) {
      const jwk = await this.privateJwk(row.kid);
      if (jwk) found.push({...jwk, kid: row.kid, alg: row.alg, use: 'sig'});
    }
    return found;
  }

  /** The private JWK of a key from its file on this host; undefined when it is not here (or unreadable). */
  private privateJwk(kid: string): Promise<JWK | undefined> {
    return readFile(this.privateFile(kid), 'utf8').then(
      (text) => JSON.parse(text) as JWK,
      () => undefined,
    );
  }

  /** The active key with its private half, to sign with. */
  async signingKey(): Promise<{kid: string; alg: KeyAlgorithm; key: CryptoKey}> {
    const row = await this.db.repository(SigningKey).findOneBy({status: 'active'});
    if (!row)
      throw unavailable('There is no signing key', {
        code: 'NO_SIGNING_KEY',
        hint: 'Generate one with auth:generatekey.',
      });
    const jwk = await this.privateJwk(row.kid);
    if (!jwk)
      throw unavailable(`The private key of the signing key ${row.kid} is not on this host`, {
        code: 'SIGNING_KEY_MISSING',
        hint: `Copy ${this.privateFile(row.kid)} from the host that generated it, or generate a new key with auth:generatekey.`,
      });
    const {importJWK} = await jose();
    return {kid: row.kid, alg: row.alg, key: (await importJWK(jwk, row.alg)) as CryptoKey};
  }
}
