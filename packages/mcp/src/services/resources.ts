import {
  conflict,
  defineEvent,
  notFound,
  type AccessProvider,
  type Actor,
  type ConfirmStep,
  type EventBus,
  type ListQuery,
  type ListResult,
} from '@systemprompt/core';
import {isUniqueViolation, queryList, type ListPlan, type ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import {quoted} from '@systemprompt/users';
import {Resource, type ResourceRow} from '../entities.js';
import {
  GUARDED_ITEM_FIELDS,
  checkPermission,
  checkTitle,
  givenFields,
  guardedItemColumns,
  requireGuardChange,
  requireGuardHeld,
  visibleItems,
} from './content-checks.js';
import {checkDataFile, isTextMimeType, mimeTypeForFile, readDataFile} from './resource-files.js';

import {
  MAX_URI,
  RESOURCE_URI_PATTERN,
  TITLE_RULE,
  checkContentText,
  checkDescription,
  checkMimeType,
  checkName,
  checkUri,
  contentError,
  requireTextMimeType,
} from './resource-checks.js';

export {MAX_RESOURCE_FILE_BYTES, isTextMimeType, mimeTypeForFile} from './resource-files.js';
export {MAX_URI, RESOURCE_URI_PATTERN} from './resource-checks.js';

/** What guards a resource that names no permission. */
export const DEFAULT_RESOURCE_PERMISSION = 'resources:read';
const READ = 'resources:read';
const WRITE = 'resources:write';

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
    return (await visibleItems(rows, (permission) => this.access.holds(actor, permission))).map(view);
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
    const bytes = await readDataFile(this.dataDir, row.file);
    if (isTextMimeType(row.mimeType)) {
      try {
        return {uri: row.uri, mimeType: row.mimeType, text: new TextDecoder('utf-8', {fatal: true}).decode(bytes)};
      } catch {
        // Not UTF-8 after all: the bytes as they are.
      }
    }
    return {uri: row.uri, mimeType: row.mimeType, blob: Buffer.from(bytes).toString('base64')};
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
      const file = await checkDataFile(this.dataDir, input.file);
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
      const file = await checkDataFile(this.dataDir, changes.file);
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
