import {createCipheriv, createDecipheriv, randomBytes} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {invalidInput} from '../errors.js';
import {writeFileAtomic} from '../fs-atomic.js';

/** How every secret value is shown: never any part of it. */
export const SECRET_MASK = '********';

const PREFIX = 'enc:v1:';
export const SECRET_KEY_FILE = 'secret.key';

export const isEncrypted = (value: unknown): value is string => typeof value === 'string' && value.startsWith(PREFIX);

/** Keys of a config schema whose values are secret (`secret: true` or `writeOnly: true`), as dot paths. */
export function secretPaths(schema: Record<string, unknown> | undefined, prefix = ''): string[] {
  const properties = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(properties).flatMap(([key, property]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (property.secret === true || property.writeOnly === true) return [path];
    return property.type === 'object' ? secretPaths(property, path) : [];
  });
}

/** Environment variables that give every host on a shared database the same key. */
export const SECRET_KEY_ENV = 'SYSTEMPROMPT_SECRET_KEY';
export const SECRET_KEY_FILE_ENV = 'SYSTEMPROMPT_SECRET_KEY_FILE';

const SHARED_KEY_HINT = `Several hosts on one database need the same key: set ${SECRET_KEY_ENV} (32 bytes, base64) or ${SECRET_KEY_FILE_ENV} on every host.`;

/**
 * AES-256-GCM with a 32-byte key. Where the key comes from, first match wins: SYSTEMPROMPT_SECRET_KEY
 * (base64), the file named by SYSTEMPROMPT_SECRET_KEY_FILE, or <config>/secret.key (mode 600, created on
 * first use). Whoever holds the key can read the secrets: it protects exports, backups and database dumps.
 */
export class SecretBox {
  private key: Buffer | undefined;

  constructor(
    private readonly configDirectory: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Where the key comes from, for messages (never the key). */
  get keySource(): string {
    if (this.env[SECRET_KEY_ENV]?.trim()) return SECRET_KEY_ENV;
    return this.env[SECRET_KEY_FILE_ENV]?.trim() || join(this.configDirectory, SECRET_KEY_FILE);
  }

  private async loadKey(create: boolean): Promise<Buffer | undefined> {
    if (this.key) return this.key;
    const inline = this.env[SECRET_KEY_ENV]?.trim();
    const named = this.env[SECRET_KEY_FILE_ENV]?.trim();
    if (inline) {
      this.key = Buffer.from(inline, 'base64');
    } else {
      const file = named || join(this.configDirectory, SECRET_KEY_FILE);
      try {
        this.key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
      } catch (error) {
        // A key file named explicitly must exist: making a new one would split the hosts' keys.
        if (named)
          throw invalidInput(
            `The secret key file ${file} (${SECRET_KEY_FILE_ENV}) cannot be read: ${(error as Error).message}`,
            {code: 'SECRET_KEY_MISSING', hint: SHARED_KEY_HINT},
          );
        if (!create) return undefined;
        this.key = randomBytes(32);
        await writeFileAtomic(file, `${this.key.toString('base64')}\n`, {mode: 0o600});
      }
    }
    if (this.key.length !== 32) {
      this.key = undefined;
      throw invalidInput(`${this.keySource} is not a valid secret key (32 bytes, base64)`, {
        code: 'SECRET_KEY_INVALID',
        hint: 'Make one with: openssl rand -base64 32',
      });
    }
    return this.key;
  }

  async encrypt(plain: unknown): Promise<string> {
    const key = (await this.loadKey(true))!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${data.toString('base64')}`;
  }

  async decrypt(stored: string): Promise<unknown> {
    if (!isEncrypted(stored)) return stored;
    const key = await this.loadKey(false);
    if (!key)
      throw invalidInput(`A stored secret cannot be read: there is no secret key (${this.keySource} is missing)`, {
        code: 'SECRET_KEY_MISSING',
        hint: `${SHARED_KEY_HINT} Or restore ${this.keySource} from a backup.`,
      });
    const [iv, tag, data] = stored.slice(PREFIX.length).split(':');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv!, 'base64'));
      decipher.setAuthTag(Buffer.from(tag!, 'base64'));
      return JSON.parse(
        Buffer.concat([decipher.update(Buffer.from(data!, 'base64')), decipher.final()]).toString('utf8'),
      );
    } catch {
      throw invalidInput(
        `A stored secret cannot be decrypted with the current secret key (${this.keySource}): it was encrypted with another key`,
        {code: 'SECRET_UNREADABLE', hint: SHARED_KEY_HINT},
      );
    }
  }
}

/** Whether `stored` (an `enc:v1:` value) can be decrypted with the box's key, for reports of unreadable secrets. */
export async function canDecrypt(box: SecretBox, stored: string): Promise<boolean> {
  try {
    await box.decrypt(stored);
    return true;
  } catch {
    return false;
  }
}
