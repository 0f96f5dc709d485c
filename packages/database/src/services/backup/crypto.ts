import {createCipheriv, createDecipheriv, createHash, randomBytes, scrypt, timingSafeEqual} from 'node:crypto';
import {createReadStream} from 'node:fs';
import {open} from 'node:fs/promises';
import type {Readable, Writable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {invalidInput, notFound, permissionDenied} from '@systemprompt/core';

/**
 * Passphrase encryption of a whole archive, streamed: a header line naming the format, the header
 * (scrypt parameters, salt, nonce, a check value of the key), the AES-256-GCM ciphertext, the tag.
 * The check value tells a wrong passphrase from a changed archive; the tag proves the rest.
 */
const MAGIC = Buffer.from('SPBACKUP-AES256GCM1\n');
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const TAG_BYTES = 16;
const SCRYPT = {N: 2 ** 15, r: 8, p: 1} as const;

interface Header {
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  nonce: string;
  check: string;
}

function deriveKeys(passphrase: string, salt: Buffer, params: {N: number; r: number; p: number}) {
  return new Promise<{key: Buffer; check: Buffer}>((resolve, reject) =>
    scrypt(passphrase, salt, 64, {...params, maxmem: 256 * params.N * params.r}, (error, derived) => {
      if (error) reject(error);
      else resolve({key: derived.subarray(0, 32), check: createHash('sha256').update(derived.subarray(32)).digest()});
    }),
  );
}

/** Writes `source` to `target`, encrypted with the passphrase. */
export async function encryptStream(source: Readable, target: Writable, passphrase: string): Promise<void> {
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const {key, check} = await deriveKeys(passphrase, salt, SCRYPT);
  const header: Header = {
    kdf: 'scrypt',
    ...SCRYPT,
    salt: salt.toString('base64'),
    nonce: nonce.toString('base64'),
    check: check.toString('base64'),
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerBytes.length);
  target.write(Buffer.concat([MAGIC, length, headerBytes]));
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  await pipeline(source, cipher, target, {end: false});
  await new Promise<void>((resolve, reject) =>
    target.end(cipher.getAuthTag(), (error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

const corrupt = (what: string) =>
  invalidInput(`The backup archive is damaged: ${what}; nothing was changed`, {
    code: 'BACKUP_CORRUPT',
    hint: 'Use another copy of the backup.',
  });

/**
 * The archive's plain (gzip) bytes as a stream, decrypting when the file is encrypted. A wrong or
 * missing passphrase is refused before anything is read; the GCM tag fails the stream's end when
 * any byte was changed.
 */
export async function openArchive(
  file: string,
  passphrase: string | undefined,
): Promise<{stream: Readable; encrypted: boolean}> {
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw notFound(`Cannot read the backup ${file}: ${error.code ?? error.message}`, {code: 'BACKUP_NOT_FOUND'});
  });
  try {
    const {size} = await handle.stat();
    const start = Buffer.alloc(Math.min(size, MAGIC.length + 4));
    await handle.read(start, 0, start.length, 0);
    if (start.subarray(0, 2).equals(GZIP_MAGIC)) return {stream: createReadStream(file), encrypted: false};
    if (!start.subarray(0, MAGIC.length).equals(MAGIC))
      throw corrupt('it is neither a backup archive nor an encrypted one');
    const headerLength = start.readUInt32BE(MAGIC.length);
    const headerStart = MAGIC.length + 4;
    if (headerLength > 4096 || headerStart + headerLength + TAG_BYTES > size) throw corrupt('its header is cut short');
    const headerBytes = Buffer.alloc(headerLength);
    await handle.read(headerBytes, 0, headerLength, headerStart);
    let header: Header;
    try {
      header = JSON.parse(headerBytes.toString('utf8')) as Header;
    } catch {
      throw corrupt('its encryption header is not readable');
    }
    if (header.kdf !== 'scrypt' || ![header.N, header.r, header.p].every(Number.isInteger) || header.N > 2 ** 20)
      throw corrupt('its encryption header is not valid');
    if (passphrase === undefined)
      throw invalidInput(`The backup ${file} is encrypted`, {
        code: 'BACKUP_PASSPHRASE_REQUIRED',
        hint: 'Give its passphrase with --passphrase-file FILE or --passphrase-env VARIABLE.',
      });
    const {key, check} = await deriveKeys(passphrase, Buffer.from(header.salt, 'base64'), header);
    const expected = Buffer.from(header.check, 'base64');
    if (expected.length !== check.length || !timingSafeEqual(expected, check))
      throw permissionDenied('The passphrase does not open this backup', {
        code: 'BACKUP_PASSPHRASE_WRONG',
        hint: 'Give the passphrase the backup was made with.',
      });
    const tag = Buffer.alloc(TAG_BYTES);
    await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(header.nonce, 'base64'));
    decipher.setAuthTag(tag);
    const body = createReadStream(file, {start: headerStart + headerLength, end: size - TAG_BYTES - 1});
    body.on('error', (error) => decipher.destroy(error));
    return {stream: body.pipe(decipher), encrypted: true};
  } finally {
    await handle.close();
  }
}

/** The passphrase from a file (its first line) or an environment variable; never printed. */
export async function readPassphrase(options: {file?: string; env?: string}): Promise<string | undefined> {
  let value: string | undefined;
  if (options.file) {
    const {readFile} = await import('node:fs/promises');
    value = (
      await readFile(options.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw invalidInput(`Cannot read the passphrase file ${options.file}: ${error.code ?? error.message}`, {
          code: 'BACKUP_PASSPHRASE_REQUIRED',
        });
      })
    ).split(/\r?\n/)[0];
  } else if (options.env) {
    value = process.env[options.env];
    if (value === undefined)
      throw invalidInput(`The environment variable ${options.env} is not set`, {code: 'BACKUP_PASSPHRASE_REQUIRED'});
  } else return undefined;
  if (!value || value.length < 8)
    throw invalidInput('The passphrase must have at least 8 characters', {code: 'BACKUP_PASSPHRASE_REQUIRED'});
  return value;
}
