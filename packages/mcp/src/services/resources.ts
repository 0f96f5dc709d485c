import {constants} from 'node:fs';
import {mkdir, open, realpath, type FileHandle} from 'node:fs/promises';
import {extname, isAbsolute, relative, resolve, sep} from 'node:path';
import {
  conflict,
  defineEvent,
  invalidInput,
  notFound,
  type AccessProvider,
  type Actor,
  type ConfirmStep,
  type EventBus,
  type ListQuery,
  type ListResult,
} from '@systemprompt/core';
import {queryList, type ListPlan, type ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import {checkText, quoted} from '@systemprompt/users';
import {Resource, type ResourceRow} from '../entities.js';
import {
  GUARDED_ITEM_FIELDS,
  checkLongText,
  checkPermission,
  checkTitle,
  givenFields,
  guardedItemColumns,
  isUniqueViolation,
  requireGuardChange,
  requireGuardHeld,
  visibleItems,
} from './content-checks.js';

/**
 * A URI with a scheme (`docs://guide`, `note:release-1`): printable ASCII without spaces (anything
 * else percent-encoded), so that both engines compare it alike.
 */
export const RESOURCE_URI_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/;
export const MAX_URI = 500;
/** The largest file a resource may serve (it is read whole, and sent base64 when binary). */
export const MAX_RESOURCE_FILE_BYTES = 10 * 1024 * 1024;
/** What guards a resource that names no permission. */
export const DEFAULT_RESOURCE_PERMISSION = 'resources:read';
const MAX_NAME = 200;
const MAX_FILE_PATH = 500;
const MAX_MIME = 100;
const READ = 'resources:read';
const WRITE = 'resources:write';
const TOKEN = "[a-z0-9][a-z0-9!#$&^_.+'-]*";
const MIME_PATTERN = new RegExp(`^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[^"\\\\]*"))*$`);

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

export interface ResourceView {
  uri: string;
  name: string;
  title: string | null;
  description: string | null;
  mimeType: string;
  /** The resource's own text, or null when it serves a file. */
  text: string | null;
  /** The file it serves, relative to the mcp module's data directory; null for text. */
  file: string | null;
  /** What a caller must hold to see the resource over MCP and read it. */
  permission: string;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

export type ResourcePreview = ResourceView & {dryRun: true};

export interface CreateResourceInput {
  uri: string;
  name: string;
  title?: string | null;
  description?: string | null;
  /** Default text/plain for text, or what the file's extension suggests. */
  mimeType?: string;
  /** The content itself; give this or `file`. */
  text?: string;
  /** A file of the data directory (a relative path); give this or `text`. */
  file?: string;
  /** Default resources:read. */
  permission?: string;
}

/** Fields to change; `title`/`description` null (or '') removes them; `text` or `file` replaces the content. */
export interface UpdateResourceInput {
  name?: string;
  title?: string | null;
  description?: string | null;
  mimeType?: string;
  text?: string;
  file?: string;
  permission?: string;
}

export interface ResourceChangeOptions {
  dryRun?: boolean;
}

export interface ResourceDeleteOptions extends ResourceChangeOptions {
  confirm?: ConfirmStep;
}

export interface DeletedResource {
  uri: string;
  deleted: boolean;
  dryRun?: true;
}

/** What MCP `resources/read` answers for one resource: `text`, or `blob` (base64). */
export type ResourceContents =
  {uri: string; mimeType: string; text: string} | {uri: string; mimeType: string; blob: string};

export interface ResourcesChanged {
  uri: string;
  change: 'created' | 'updated' | 'deleted';
}

/** Emitted in the transaction of every change of a resource. */
export const RESOURCES_CHANGED = defineEvent<ResourcesChanged>('mcp.resources.changed');

/** The fields of resources:list that --filter and --sort take (`source` is text or file). */
export const RESOURCE_LIST_FIELDS = [
  'uri',
  'name',
  'title',
  'description',
  'mimeType',
  'source',
  'file',
  ...GUARDED_ITEM_FIELDS,
] as const;

const RESOURCE_LIST: ListPlan = {
  fields: {
    uri: 'r.uri',
    name: 'r.name',
    title: 'r.title',
    description: 'r.description',
    mimeType: 'r.mimeType',
    source: "CASE WHEN r.file IS NULL THEN 'text' ELSE 'file' END",
    file: 'r.file',
    ...guardedItemColumns('r'),
  },
  searchable: ['uri', 'name', 'title', 'description'],
  order: [['uri', 'asc']],
};

const notFoundError = (uri: string) =>
  notFound(`No resource ${quoted(String(uri), 100)}`, {code: 'RESOURCE_NOT_FOUND', hint: 'See resources:list.'});

function checkUri(raw: unknown): string {
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

function checkName(raw: unknown): string {
  const name = checkText(typeof raw === 'string' ? raw : '', {
    what: 'The name',
    max: MAX_NAME,
    code: 'RESOURCE_TEXT_INVALID',
  });
  if (!name) throw invalidInput('Give the resource a name (1 to 200 characters)', {code: 'RESOURCE_TEXT_INVALID'});
  return name;
}

const TITLE_RULE = {max: MAX_NAME, code: 'RESOURCE_TEXT_INVALID'};

const checkDescription = (raw: string | null | undefined): string | null =>
  raw === null || raw === undefined
    ? null
    : checkLongText(raw, {what: 'The description', code: 'RESOURCE_TEXT_INVALID', trim: true}) || null;

const checkContentText = (raw: unknown): string =>
  checkLongText(raw, {what: 'The text', code: 'RESOURCE_TEXT_INVALID', required: true});

function checkMimeType(raw: unknown): string {
  const mimeType = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (mimeType.length > MAX_MIME || !MIME_PATTERN.test(mimeType))
    throw invalidInput(`${quoted(String(raw))} is not a MIME type (type/subtype, at most ${MAX_MIME} characters)`, {
      code: 'RESOURCE_MIME_TYPE_INVALID',
      hint: 'For example text/markdown, application/json or image/png.',
    });
  return mimeType;
}

function requireTextMimeType(mimeType: string): void {
  if (!isTextMimeType(mimeType))
    throw invalidInput(`A resource given as text needs a text MIME type, not ${mimeType}`, {
      code: 'RESOURCE_MIME_TYPE_INVALID',
      hint: 'Use text/plain, text/markdown, application/json, ...; binary content belongs in a file (--file).',
    });
}

function contentError(message: string): Error {
  return invalidInput(message, {
    code: 'RESOURCE_CONTENT_INVALID',
    hint: 'Give --text TEXT, or --file PATH (relative to the mcp data directory).',
  });
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

const view = (row: ResourceRow): ResourceView => ({
  uri: row.uri,
  name: row.name,
  title: row.title,
  description: row.description,
  mimeType: row.mimeType,
  text: row.text,
  file: row.file,
  permission: row.permission,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
  updatedBy: row.updatedBy,
});

/**
 * Resources served to MCP clients by URI: their own text, or a file of the mcp module's data
 * directory (never a path outside it, also not through a symbolic link), each guarded by a permission
 * (resources:read unless it names another). Managing them takes resources:read and resources:write;
 * over MCP a caller sees and reads only the resources whose permission it holds. Nobody guards a
 * resource with, or changes one guarded by, a permission they do not hold. URIs that differ only in
 * letter case are taken for the same (MySQL compares them so), on both engines.
 */
export class ResourceService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessProvider,
    private readonly events: EventBus,
    /** The mcp module's data directory, which `file` paths are relative to; made on first use. */
    private readonly dataDir: string,
  ) {}

  /** A resource by its exact URI; unknown is exit 3. No permission check: callers check theirs first. */
  async find(uri: string, manager: EntityManager = this.db.manager): Promise<ResourceRow> {
    const row =
      typeof uri === 'string' && uri.length <= MAX_URI && RESOURCE_URI_PATTERN.test(uri)
        ? await manager.getRepository(Resource).findOneBy({uri})
        : null;
    // MySQL compares case-insensitively; the URI must match exactly.
    if (!row || row.uri !== uri) throw notFoundError(uri);
    return row;
  }

  async list(actor: Actor, query: ListQuery): Promise<ListResult<ResourceView>> {
    await this.access.authorize(actor, READ, 'resources.list');
    const page = await queryList(this.db.repository(Resource).createQueryBuilder('r'), query, RESOURCE_LIST);
    return {...page, items: page.items.map(view)};
  }

  async get(actor: Actor, uri: string): Promise<ResourceView> {
    await this.access.authorize(actor, READ, 'resources.read', uri);
    return view(await this.find(uri));
  }

  /** What MCP `resources/list` shows the actor: every resource whose permission it holds, by URI. Not audited. */
  async visibleTo(actor: Actor): Promise<ResourceView[]> {
    const rows = await this.db.repository(Resource).createQueryBuilder('r').orderBy('r.uri', 'ASC').getMany();
    return (await visibleItems(this.access, actor, rows)).map(view);
  }

  /**
   * MCP `resources/read`: the content, as text for a text MIME type (and valid UTF-8), else base64.
   * The actor must hold the resource's permission (a refusal is audited). A file that is gone is
   * exit 3 RESOURCE_FILE_MISSING.
   */
  async read(actor: Actor, uri: string): Promise<ResourceContents> {
    const row = await this.find(uri);
    await this.access.authorize(actor, row.permission, 'resources.read', uri);
    if (row.file === null) return {uri: row.uri, mimeType: row.mimeType, text: row.text ?? ''};
    const bytes = await this.readFile(row.file);
    if (isTextMimeType(row.mimeType)) {
      try {
        return {uri: row.uri, mimeType: row.mimeType, text: new TextDecoder('utf-8', {fatal: true}).decode(bytes)};
      } catch {
        // Not UTF-8 after all: the bytes as they are.
      }
    }
    return {uri: row.uri, mimeType: row.mimeType, blob: Buffer.from(bytes).toString('base64')};
  }

  /**
   * A file of the data directory, opened for reading: the path as stored (relative, `/`-separated,
   * normalized) and the open handle, which the caller closes. Refuses absolute paths, `..`, and
   * anything whose real path (symbolic links followed) leaves the data directory; the file must exist
   * and be a regular file of at most 10 MiB. The real path is opened without following a link, so a
   * link put in its place after the check is refused too.
   */
  private async openFile(raw: unknown): Promise<{file: string; handle: FileHandle}> {
    if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_FILE_PATH || raw.includes('\0'))
      throw badFile(String(raw), `is not a file path (1 to ${MAX_FILE_PATH} characters)`);
    if (isAbsolute(raw) || /^[A-Za-z]:/.test(raw) || raw.startsWith('\\'))
      throw outside(raw, 'is an absolute path; give one relative to the mcp data directory');
    if (raw.includes('\\')) throw badFile(raw, 'has a backslash; separate directories with /');
    if (raw.split('/').includes('..'))
      throw outside(raw, 'goes up with ..; it must stay inside the mcp data directory');
    await mkdir(this.dataDir, {recursive: true});
    const root = await realpath(this.dataDir);
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

  /** A file a resource may serve, checked as openFile checks it; its path as stored. */
  private async checkFile(raw: unknown): Promise<string> {
    const {file, handle} = await this.openFile(raw);
    await handle.close();
    return file;
  }

  /** The bytes of a resource's file, checked again as at creation (a link may have changed since). */
  private async readFile(stored: string): Promise<Uint8Array> {
    const {handle} = await this.openFile(stored);
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  /** A resource whose URI equals `uri` but for letter case, if any (MySQL would take it for the same). */
  private async sameUri(uri: string, manager: EntityManager): Promise<ResourceRow | null> {
    return manager
      .getRepository(Resource)
      .createQueryBuilder('r')
      .where('LOWER(r.uri) = :lower', {lower: uri.toLowerCase()})
      .getOne();
  }

  private async requireFree(uri: string, manager: EntityManager): Promise<void> {
    const existing = await this.sameUri(uri, manager);
    if (!existing) return;
    throw conflict(
      existing.uri === uri
        ? `A resource with URI ${uri} already exists`
        : `Resource ${existing.uri} already exists, and URIs that differ only in letter case are the same`,
      {code: 'RESOURCE_EXISTS', hint: `Change it with resources:update ${existing.uri}, or choose another URI.`},
    );
  }

  /**
   * Creates a resource (resources:write) with its text or a file of the data directory (which must
   * exist). Its permission must be one the actor holds. With `dryRun`, everything is checked and
   * nothing is written.
   */
  async create(
    actor: Actor,
    input: CreateResourceInput,
    options: ResourceChangeOptions = {},
  ): Promise<ResourceView | ResourcePreview> {
    const target = typeof input?.uri === 'string' ? input.uri.slice(0, MAX_URI) : null;
    await this.access.authorize(actor, WRITE, 'resources.create', target);
    const uri = checkUri(input.uri);
    const name = checkName(input.name);
    const title = checkTitle(input.title, TITLE_RULE);
    const description = checkDescription(input.description);
    if (input.text !== undefined && input.file !== undefined)
      throw contentError('Give the resource its text or a file, not both');
    if (input.text === undefined && input.file === undefined)
      throw contentError('Give the resource its text or a file');
    const mimeType = input.mimeType === undefined ? undefined : checkMimeType(input.mimeType);
    const permission = checkPermission(input.permission ?? DEFAULT_RESOURCE_PERMISSION);
    let content: Pick<ResourceRow, 'text' | 'file' | 'mimeType'>;
    if (input.text !== undefined) {
      const text = checkContentText(input.text);
      content = {text, file: null, mimeType: mimeType ?? 'text/plain'};
      requireTextMimeType(content.mimeType);
    } else {
      const file = await this.checkFile(input.file);
      content = {text: null, file, mimeType: mimeType ?? mimeTypeForFile(file)};
    }
    await requireGuardHeld(this.access, actor, permission, {
      action: 'resources.create',
      target: uri,
      doing: `create resource ${uri}`,
      code: 'RESOURCE_PERMISSION_NOT_HELD',
    });
    const now = new Date().toISOString();
    const row: ResourceRow = {
      uri,
      name,
      title,
      description,
      ...content,
      permission,
      createdAt: now,
      updatedAt: now,
      updatedBy: actor.label,
    };
    if (options.dryRun) {
      await this.requireFree(uri, this.db.manager);
      return {...view(row), dryRun: true};
    }
    try {
      await this.db.transaction(async (manager) => {
        await this.requireFree(uri, manager);
        await manager.getRepository(Resource).insert(row);
        await this.events.emit(
          RESOURCES_CHANGED,
          {uri, change: 'created'},
          {transaction: manager, actor, subject: uri},
        );
      });
    } catch (error) {
      if (isUniqueViolation(error)) await this.requireFree(uri, this.db.manager);
      throw error;
    }
    await this.access.record(actor, {
      action: 'resources.create',
      target: uri,
      result: 'ok',
      permission: WRITE,
      details: {permission, mimeType: row.mimeType, ...(row.file ? {file: row.file} : {})},
    });
    return view(row);
  }

  /**
   * Changes a resource (resources:write): the actor must hold its current permission, and the new
   * one when it changes. New text replaces a file and the other way round; a new file takes the MIME
   * type its extension suggests unless one is given.
   */
  async update(
    actor: Actor,
    uri: string,
    changes: UpdateResourceInput,
    options: ResourceChangeOptions = {},
  ): Promise<ResourceView | ResourcePreview> {
    await this.access.authorize(actor, WRITE, 'resources.update', uri);
    const given = givenFields(
      changes,
      'Give --name, --title, --description, --mime-type, --text, --file or --permission.',
    );
    if (changes.text !== undefined && changes.file !== undefined)
      throw contentError('Give the resource its text or a file, not both');
    const fields: Partial<ResourceRow> = {};
    if (changes.name !== undefined) fields.name = checkName(changes.name);
    if (changes.title !== undefined) fields.title = checkTitle(changes.title, TITLE_RULE);
    if (changes.description !== undefined) fields.description = checkDescription(changes.description);
    const mimeType = changes.mimeType === undefined ? undefined : checkMimeType(changes.mimeType);
    const permission = changes.permission === undefined ? undefined : checkPermission(changes.permission);
    if (changes.text !== undefined) Object.assign(fields, {text: checkContentText(changes.text), file: null});
    const current = await this.find(uri);
    const changedPermission = await requireGuardChange(this.access, actor, current.permission, permission, {
      action: 'resources.update',
      target: uri,
      doing: `change resource ${uri}`,
      code: 'RESOURCE_PERMISSION_NOT_HELD',
    });
    if (changedPermission !== undefined) fields.permission = changedPermission;
    if (changes.file !== undefined) {
      const file = await this.checkFile(changes.file);
      Object.assign(fields, {file, text: null, mimeType: mimeType ?? mimeTypeForFile(file)});
    } else if (mimeType !== undefined) {
      fields.mimeType = mimeType;
    } else if (changes.text !== undefined && !isTextMimeType(current.mimeType)) {
      fields.mimeType = 'text/plain';
    }
    const next: ResourceRow = {...current, ...fields, updatedAt: new Date().toISOString(), updatedBy: actor.label};
    if (next.text !== null) requireTextMimeType(next.mimeType);
    if (options.dryRun) return {...view(next), dryRun: true};
    await this.db.transaction(async (manager) => {
      await this.find(uri, manager);
      await manager
        .getRepository(Resource)
        .update({uri: current.uri}, {...fields, updatedAt: next.updatedAt, updatedBy: next.updatedBy});
      await this.events.emit(RESOURCES_CHANGED, {uri, change: 'updated'}, {transaction: manager, actor, subject: uri});
    });
    await this.access.record(actor, {
      action: 'resources.update',
      target: uri,
      result: 'ok',
      permission: WRITE,
      details: {
        changed: given,
        ...(fields.permission ? {permission: fields.permission} : {}),
        ...(fields.file ? {file: fields.file} : {}),
      },
    });
    return view(next);
  }

  /** Deletes a resource (resources:write, and its own permission); its file stays. Asks `confirm` after the checks. */
  async delete(actor: Actor, uri: string, options: ResourceDeleteOptions = {}): Promise<DeletedResource> {
    await this.access.authorize(actor, WRITE, 'resources.delete', uri);
    const current = await this.find(uri);
    await requireGuardHeld(this.access, actor, current.permission, {
      action: 'resources.delete',
      target: uri,
      doing: `delete resource ${uri}`,
      code: 'RESOURCE_PERMISSION_NOT_HELD',
    });
    if (options.dryRun) return {uri, deleted: false, dryRun: true};
    await options.confirm?.(
      `Delete resource ${uri}?${current.file ? ` (The file ${current.file} stays.)` : ''} MCP clients stop seeing it at once.`,
    );
    await this.db.transaction(async (manager) => {
      const result = await manager.getRepository(Resource).delete({uri: current.uri});
      if ((result.affected ?? 0) === 0) throw notFoundError(uri);
      await this.events.emit(RESOURCES_CHANGED, {uri, change: 'deleted'}, {transaction: manager, actor, subject: uri});
    });
    await this.access.record(actor, {
      action: 'resources.delete',
      target: uri,
      result: 'ok',
      permission: WRITE,
      details: {permission: current.permission, ...(current.file ? {file: current.file} : {})},
    });
    return {uri, deleted: true};
  }
}
