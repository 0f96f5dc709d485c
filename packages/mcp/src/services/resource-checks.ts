import {invalidInput} from '@systemprompt/core';
import {checkText, quoted} from '@systemprompt/users';
import {checkLongText} from './content-checks.js';
import {isTextMimeType} from './resource-files.js';

/**
 * A URI with a scheme (`docs://guide`, `note:release-1`): printable ASCII without spaces (anything
 * else percent-encoded), so that both engines compare it alike.
 */
export const RESOURCE_URI_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/;
export const MAX_URI = 500;
const MAX_NAME = 200;
const MAX_MIME = 100;
const TOKEN = "[a-z0-9][a-z0-9!#$&^_.+'-]*";
const MIME_PATTERN = new RegExp(`^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[^"\\\\]*"))*$`);

export function checkUri(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > MAX_URI || !RESOURCE_URI_PATTERN.test(raw))
    throw invalidInput(
      `${quoted(String(raw), 100)} is not a resource URI: a scheme, a colon and the rest (printable ASCII without spaces, at most ${MAX_URI} characters)`,
      {
        code: 'RESOURCE_URI_INVALID',
        hint: 'For example docs://guide or notes:release-1; percent-encode other characters.',
      },
    );
  return raw;
}

export function checkName(raw: unknown): string {
  const name = checkText(typeof raw === 'string' ? raw : '', {
    what: 'The name',
    max: MAX_NAME,
    code: 'RESOURCE_TEXT_INVALID',
  });
  if (!name) throw invalidInput('Give the resource a name (1 to 200 characters)', {code: 'RESOURCE_TEXT_INVALID'});
  return name;
}

export const TITLE_RULE = {max: MAX_NAME, code: 'RESOURCE_TEXT_INVALID'};

export const checkDescription = (raw: string | null | undefined): string | null =>
  raw === null || raw === undefined
    ? null
    : checkLongText(raw, {what: 'The description', code: 'RESOURCE_TEXT_INVALID', trim: true}) || null;

export const checkContentText = (raw: unknown): string =>
  checkLongText(raw, {what: 'The text', code: 'RESOURCE_TEXT_INVALID', required: true});

export function checkMimeType(raw: unknown): string {
  const mimeType = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (mimeType.length > MAX_MIME || !MIME_PATTERN.test(mimeType))
    throw invalidInput(`${quoted(String(raw))} is not a MIME type (type/subtype, at most ${MAX_MIME} characters)`, {
      code: 'RESOURCE_MIME_TYPE_INVALID',
      hint: 'For example text/markdown, application/json or image/png.',
    });
  return mimeType;
}

export function requireTextMimeType(mimeType: string): void {
  if (!isTextMimeType(mimeType))
    throw invalidInput(`A resource given as text needs a text MIME type, not ${mimeType}`, {
      code: 'RESOURCE_MIME_TYPE_INVALID',
      hint: 'Use text/plain, text/markdown, application/json, ...; binary content belongs in a file (--file).',
    });
}

export function contentError(message: string): Error {
  return invalidInput(message, {
    code: 'RESOURCE_CONTENT_INVALID',
    hint: 'Give --text TEXT, or --file PATH (relative to the mcp data directory).',
  });
}
