import {constants} from 'node:fs';
import {mkdir, open, realpath, type FileHandle} from 'node:fs/promises';
import {extname, isAbsolute, relative, resolve, sep} from 'node:path';
import {invalidInput, notFound} from '@systemprompt/core';
import {quoted} from '@systemprompt/users';

/** The largest file a resource may serve (it is read whole, and sent base64 when binary). */
export const MAX_RESOURCE_FILE_BYTES = 10 * 1024 * 1024;
const MAX_FILE_PATH = 500;

/** MIME types by file extension (lower case); anything else is application/octet-stream. */
const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  txt: 'text/plain',
  text: 'text/plain',
  log: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  js: 'text/javascript',
  mjs: 'text/javascript',
  ts: 'text/x-typescript',
  py: 'text/x-python',
  json: 'application/json',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  toml: 'application/toml',
  xml: 'application/xml',
  sql: 'application/sql',
  sh: 'application/x-sh',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  ico: 'image/vnd.microsoft.icon',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  wasm: 'application/wasm',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  mp4: 'video/mp4',
};

const TEXT_APPLICATION_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/yaml',
  'application/x-yaml',
  'application/toml',
  'application/sql',
  'application/javascript',
  'application/ecmascript',
  'application/x-sh',
  'application/graphql',
]);

/** The MIME type a file's extension suggests. */
export function mimeTypeForFile(file: string): string {
  return MIME_BY_EXTENSION[extname(file).slice(1).toLowerCase()] ?? 'application/octet-stream';
}

/** Whether content of this MIME type is served as text (else as a base64 blob). */
export function isTextMimeType(mimeType: string): boolean {
  const base = mimeType.split(';')[0]!.trim().toLowerCase();
  return base.startsWith('text/') || TEXT_APPLICATION_TYPES.has(base) || /\+(json|xml|yaml)$/.test(base);
}

const outside = (file: string, why: string) =>
  invalidInput(`File ${quoted(file, 100)} ${why}`, {
    code: 'RESOURCE_FILE_OUTSIDE',
    hint: 'Give a path relative to the mcp data directory, without .., that stays inside it (symbolic links too).',
  });

const missing = (file: string) =>
  notFound(`File ${quoted(file, 100)} does not exist in the mcp data directory`, {
    code: 'RESOURCE_FILE_MISSING',
    hint: 'Put the file in the data directory (see system:status for where it is), or change the resource with resources:update.',
  });

const badFile = (file: string, why: string) =>
  invalidInput(`File ${quoted(file, 100)} ${why}`, {code: 'RESOURCE_FILE_INVALID'});

const within = (root: string, path: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/**
 * A file of the data directory, opened for reading: the path as stored (relative, `/`-separated,
 * normalized) and the open handle, which the caller closes. Refuses absolute paths, `..`, and
 * anything whose real path (symbolic links followed) leaves the data directory; the file must exist
 * and be a regular file of at most 10 MiB. The real path is opened without following a link, so a
 * link put in its place after the check is refused too.
 */
export async function openDataFile(dataDir: string, raw: unknown): Promise<{file: string; handle: FileHandle}> {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_FILE_PATH || raw.includes('\0'))
    throw badFile(String(raw), `is not a file path (1 to ${MAX_FILE_PATH} characters)`);
  if (isAbsolute(raw) || /^[A-Za-z]:/.test(raw) || raw.startsWith('\\'))
    throw outside(raw, 'is an absolute path; give one relative to the mcp data directory');
  if (raw.includes('\\')) throw badFile(raw, 'has a backslash; separate directories with /');
  if (raw.split('/').includes('..')) throw outside(raw, 'goes up with ..; it must stay inside the mcp data directory');
  await mkdir(dataDir, {recursive: true});
  const root = await realpath(dataDir);
  const file = relative(root, resolve(root, raw));
  if (file === '' || file.startsWith('..') || isAbsolute(file))
    throw badFile(raw, 'names no file of the mcp data directory');
  const failure = (error: NodeJS.ErrnoException, doing: string) =>
    error.code === 'ENOENT' ? missing(raw) : badFile(raw, `cannot be ${doing} (${error.code ?? 'error'})`);
  const real = await realpath(resolve(root, file)).catch((error: NodeJS.ErrnoException) => {
    throw failure(error, 'resolved');
  });
  if (!within(root, real)) throw outside(raw, 'leads outside the mcp data directory (a symbolic link)');
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW).catch((error: NodeJS.ErrnoException) => {
    throw failure(error, 'opened');
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw badFile(raw, 'is not a regular file');
    if (info.size > MAX_RESOURCE_FILE_BYTES)
      throw badFile(raw, `is ${info.size} bytes; a resource serves at most ${MAX_RESOURCE_FILE_BYTES} (10 MiB)`);
    return {file: file.split(sep).join('/'), handle};
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A file a resource may serve, checked as openDataFile checks it; its path as stored. */
export async function checkDataFile(dataDir: string, raw: unknown): Promise<string> {
  const {file, handle} = await openDataFile(dataDir, raw);
  await handle.close();
  return file;
}

/** The bytes of a resource's file, checked again as at creation (a link may have changed since). */
export async function readDataFile(dataDir: string, stored: string): Promise<Uint8Array> {
  const {handle} = await openDataFile(dataDir, stored);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
