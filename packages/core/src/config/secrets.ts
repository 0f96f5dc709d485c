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

/**
 * AES-256-GCM with a 32-byte key kept in the config directory (file mode 600), created on first use.
 * Whoever can read that file can read the secrets: it protects exports, backups and database dumps.
 */
export class SecretBox {
  private key: Buffer | undefined;

  constructor(private readonly configDirectory: string) {}

  private async loadKey(create: boolean): Promise<Buffer | undefined> {
    if (this.key) return this.key;
    const file = join(this.configDirectory, SECRET_KEY_FILE);
    try {
      this.key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    } catch {
      if (!create) return undefined;
      this.key = randomBytes(32);
      await writeFileAtomic(file, `${this.key.toString('base64')}\n`, {mode: 0o600});
    }
    if (this.key.length !== 32) throw invalidInput(`${file} is not a valid secret key`, {code: 'SECRET_KEY_INVALID'});
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
    if (!key) throw invalidInput('A stored secret cannot be read: the secret key file is missing', {code: 'SECRET_KEY_MISSING', hint: `Restore ${join(this.configDirectory, SECRET_KEY_FILE)} from a backup.`});
    const [iv, tag, data] = stored.slice(PREFIX.length).split(':');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv!, 'base64'));
      decipher.setAuthTag(Buffer.from(tag!, 'base64'));
      return JSON.parse(Buffer.concat([decipher.update(Buffer.from(data!, 'base64')), decipher.final()]).toString('utf8'));
    } catch {
      throw invalidInput('A stored secret cannot be decrypted with the current secret key', {code: 'SECRET_UNREADABLE'});
    }
  }
}
