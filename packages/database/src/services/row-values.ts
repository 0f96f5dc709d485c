/**
 * A value as export files and backup archives write it: JSON types only. Binary values become {"$base64"};
 * JSON a driver parsed becomes its text again; dates become ISO strings. Nothing is decrypted or
 * changed: an encrypted column is exported as the text the database holds.
 */
export function encodeValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return {$base64: Buffer.from(value).toString('base64')};
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

/** A value of a file (see encodeValue) as a statement parameter. */
export function decodeValue(value: unknown): unknown {
  if (value && typeof value === 'object' && typeof (value as {$base64?: unknown}).$base64 === 'string')
    return Buffer.from((value as {$base64: string}).$base64, 'base64');
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}
