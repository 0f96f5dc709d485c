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
import {isUniqueViolation, queryList, type ListPlan, type ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import {quoted} from '@systemprompt/users';
import {Prompt, type PromptRow} from '../entities.js';
import {
  GUARDED_ITEM_FIELDS,
  checkLongText,
  checkPermission,
  checkTitle,
  givenFields,
  guardedItemColumns,
  requireGuardChange,
  requireGuardHeld,
  visibleItems,
} from './content-checks.js';
import {
  checkPromptArguments,
  checkTemplate,
  renderTemplate,
  type PromptArgument,
  type PromptArgumentInput,
} from './prompt-templates.js';

export {
  MAX_ARGUMENT_VALUE,
  MAX_PROMPT_ARGUMENTS,
  PROMPT_ARGUMENT_PATTERN,
  checkPromptArguments,
  parseArgumentSpec,
  parseArgumentValues,
  readTemplateFile,
  templatePlaceholders,
  type PromptArgument,
  type PromptArgumentInput,
} from './prompt-templates.js';

/** A prompt's name: what MCP clients ask `prompts/get` for. */
export const PROMPT_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** What guards a prompt that names no permission. */
export const DEFAULT_PROMPT_PERMISSION = 'prompts:read';
const MAX_TITLE = 200;
const READ = 'prompts:read';
const WRITE = 'prompts:write';

export interface PromptView {
  name: string;
  title: string | null;
  description: string;
  arguments: PromptArgument[];
  template: string;
  /** What a caller must hold to see the prompt over MCP and get it. */
  permission: string;
  createdAt: string;
  updatedAt: string;
  /** Who made the last change (the actor's label). */
  updatedBy: string;
}

/** What a dry run returns: the prompt as it would be. */
export type PromptPreview = PromptView & {dryRun: true};

export interface CreatePromptInput {
  name: string;
  description: string;
  template: string;
  title?: string | null;
  arguments?: PromptArgumentInput[];
  /** Default prompts:read. */
  permission?: string;
}

/** Fields to change; `title: null` (or '') removes the title. */
export interface UpdatePromptInput {
  title?: string | null;
  description?: string;
  template?: string;
  arguments?: PromptArgumentInput[];
  permission?: string;
}

export interface PromptChangeOptions {
  /** Check everything a real run would, and change nothing. */
  dryRun?: boolean;
}

export interface PromptDeleteOptions extends PromptChangeOptions {
  /** Asked after the permission checks and the look-up, right before the change. */
  confirm?: ConfirmStep;
}

export interface DeletedPrompt {
  name: string;
  deleted: boolean;
  dryRun?: true;
}

/** What MCP `prompts/get` answers (a type, not an interface, so it fits the SDK's result with its index signature). */
export type RenderedPrompt = {
  description: string;
  messages: Array<{role: 'user'; content: {type: 'text'; text: string}}>;
};

export interface PromptsChanged {
  name: string;
  change: 'created' | 'updated' | 'deleted';
}

/** Emitted in the transaction of every change of a prompt. */
export const PROMPTS_CHANGED = defineEvent<PromptsChanged>('mcp.prompts.changed');

/** The fields of prompts:list that --filter and --sort take. */
export const PROMPT_LIST_FIELDS = ['name', 'title', 'description', ...GUARDED_ITEM_FIELDS] as const;

const PROMPT_LIST: ListPlan = {
  fields: {
    name: 'p.name',
    title: 'p.title',
    description: 'p.description',
    ...guardedItemColumns('p'),
  },
  searchable: ['name', 'title', 'description'],
  order: [['name', 'asc']],
};

const notFoundError = (name: string) =>
  notFound(`No prompt ${quoted(String(name))}`, {code: 'PROMPT_NOT_FOUND', hint: 'See prompts:list.'});

const existsError = (name: string) =>
  conflict(`A prompt named "${name}" already exists`, {
    code: 'PROMPT_EXISTS',
    hint: `Change it with prompts:update ${name}, or choose another name.`,
  });

function checkName(raw: unknown): string {
  if (typeof raw !== 'string' || !PROMPT_NAME_PATTERN.test(raw))
    throw invalidInput(
      `Prompt name ${quoted(String(raw))} is not valid: 1 to 64 lower-case letters, digits, _ and -, starting with a letter or digit`,
      {code: 'PROMPT_NAME_INVALID', hint: 'For example: code-review, summarize_ticket.'},
    );
  return raw;
}

const TITLE_RULE = {max: MAX_TITLE, code: 'PROMPT_TEXT_INVALID'};

const checkDescription = (raw: unknown): string =>
  checkLongText(raw, {what: 'The description', code: 'PROMPT_TEXT_INVALID', trim: true, required: true});

const checkTemplateText = (raw: unknown): string =>
  checkLongText(raw, {what: 'The template', code: 'PROMPT_TEXT_INVALID', required: true});

const view = (row: PromptRow): PromptView => ({
  name: row.name,
  title: row.title,
  description: row.description,
  arguments: JSON.parse(row.arguments) as PromptArgument[],
  template: row.template,
  permission: row.permission,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
  updatedBy: row.updatedBy,
});

/**
 * Prompt templates served to MCP clients: a name, a description, a template with `{{argument}}`
 * placeholders, the arguments it declares, and the permission that guards it (prompts:read unless it
 * names another). Managing them takes prompts:read and prompts:write; over MCP a caller sees and gets
 * only the prompts whose permission it holds. Nobody guards a prompt with, or changes one guarded by,
 * a permission they do not hold. Changes are audited and emit mcp.prompts.changed in their transaction.
 */
export class PromptService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessProvider,
    private readonly events: EventBus,
  ) {}

  /** A prompt by name; unknown is exit 3. No permission check: callers check theirs first. */
  async find(name: string, manager: EntityManager = this.db.manager): Promise<PromptRow> {
    const row =
      typeof name === 'string' && PROMPT_NAME_PATTERN.test(name)
        ? await manager.getRepository(Prompt).findOneBy({name})
        : null;
    if (!row || row.name !== name) throw notFoundError(name);
    return row;
  }

  /** One page of the prompts (prompts:read), filtered, searched and sorted in the database. */
  async list(actor: Actor, query: ListQuery): Promise<ListResult<PromptView>> {
    await this.access.authorize(actor, READ, 'prompts.list');
    const page = await queryList(this.db.repository(Prompt).createQueryBuilder('p'), query, PROMPT_LIST);
    return {...page, items: page.items.map(view)};
  }

  async get(actor: Actor, name: string): Promise<PromptView> {
    await this.access.authorize(actor, READ, 'prompts.read', name);
    return view(await this.find(name));
  }

  /** What MCP `prompts/list` shows the actor: every prompt whose permission it holds, by name. Not audited. */
  async visibleTo(actor: Actor): Promise<PromptView[]> {
    const rows = await this.db.repository(Prompt).createQueryBuilder('p').orderBy('p.name', 'ASC').getMany();
    return (await visibleItems(rows, (permission) => this.access.holds(actor, permission))).map(view);
  }

  /**
   * MCP `prompts/get`: the template filled in with `args`. The actor must hold the prompt's
   * permission (a refusal is audited); every required argument must be given, and no other.
   * An optional argument left out is replaced by nothing.
   */
  async render(actor: Actor, name: string, args: Record<string, string> = {}): Promise<RenderedPrompt> {
    const prompt = view(await this.find(name));
    await this.access.authorize(actor, prompt.permission, 'prompts.get', name);
    const text = renderTemplate(name, prompt.template, prompt.arguments, args);
    return {description: prompt.description, messages: [{role: 'user', content: {type: 'text', text}}]};
  }

  /**
   * Creates a prompt (prompts:write). Its permission must be one the actor holds. With `dryRun`,
   * everything is checked (the name free too) and nothing is written.
   */
  async create(
    actor: Actor,
    input: CreatePromptInput,
    options: PromptChangeOptions = {},
  ): Promise<PromptView | PromptPreview> {
    const name = typeof input?.name === 'string' ? input.name : '';
    await this.access.authorize(actor, WRITE, 'prompts.create', name || null);
    checkName(input.name);
    const description = checkDescription(input.description);
    const template = checkTemplateText(input.template);
    const title = checkTitle(input.title, TITLE_RULE);
    const declared = checkPromptArguments(input.arguments);
    checkTemplate(template, declared);
    const permission = checkPermission(input.permission ?? DEFAULT_PROMPT_PERMISSION);
    await requireGuardHeld(this.access, actor, permission, {
      action: 'prompts.create',
      target: name,
      doing: `create prompt "${name}"`,
      code: 'PROMPT_PERMISSION_NOT_HELD',
    });
    const now = new Date().toISOString();
    const row: PromptRow = {
      name,
      title,
      description,
      arguments: JSON.stringify(declared),
      template,
      permission,
      createdAt: now,
      updatedAt: now,
      updatedBy: actor.label,
    };
    if (options.dryRun) {
      if (await this.db.repository(Prompt).findOneBy({name})) throw existsError(name);
      return {...view(row), dryRun: true};
    }
    try {
      await this.db.transaction(async (manager) => {
        const repository = manager.getRepository(Prompt);
        if (await repository.findOneBy({name})) throw existsError(name);
        await repository.insert(row);
        await this.events.emit(
          PROMPTS_CHANGED,
          {name, change: 'created'},
          {transaction: manager, actor, subject: name},
        );
      });
    } catch (error) {
      // Another writer made the same name between the check and the insert.
      if (isUniqueViolation(error)) throw existsError(name);
      throw error;
    }
    await this.access.record(actor, {
      action: 'prompts.create',
      target: name,
      result: 'ok',
      permission: WRITE,
      details: {permission, arguments: declared.map((argument) => argument.name)},
    });
    return view(row);
  }

  /**
   * Changes a prompt (prompts:write): the actor must hold its current permission, and the new one
   * when it changes. The template and the arguments are checked together, as they will be.
   */
  async update(
    actor: Actor,
    name: string,
    changes: UpdatePromptInput,
    options: PromptChangeOptions = {},
  ): Promise<PromptView | PromptPreview> {
    await this.access.authorize(actor, WRITE, 'prompts.update', name);
    const given = givenFields(changes, 'Give --title, --description, --template, --argument or --permission.');
    const fields: Partial<PromptRow> = {};
    if (changes.title !== undefined) fields.title = checkTitle(changes.title, TITLE_RULE);
    if (changes.description !== undefined) fields.description = checkDescription(changes.description);
    if (changes.template !== undefined) fields.template = checkTemplateText(changes.template);
    const declared = changes.arguments === undefined ? undefined : checkPromptArguments(changes.arguments);
    const permission = changes.permission === undefined ? undefined : checkPermission(changes.permission);
    const current = await this.find(name);
    const changedPermission = await requireGuardChange(this.access, actor, current.permission, permission, {
      action: 'prompts.update',
      target: name,
      doing: `change prompt "${name}"`,
      code: 'PROMPT_PERMISSION_NOT_HELD',
    });
    if (changedPermission !== undefined) fields.permission = changedPermission;
    if (declared !== undefined) fields.arguments = JSON.stringify(declared);
    const next: PromptRow = {...current, ...fields, updatedAt: new Date().toISOString(), updatedBy: actor.label};
    checkTemplate(next.template, JSON.parse(next.arguments) as PromptArgument[]);
    if (options.dryRun) return {...view(next), dryRun: true};
    await this.db.transaction(async (manager) => {
      await this.find(name, manager);
      await manager
        .getRepository(Prompt)
        .update({name}, {...fields, updatedAt: next.updatedAt, updatedBy: next.updatedBy});
      await this.events.emit(PROMPTS_CHANGED, {name, change: 'updated'}, {transaction: manager, actor, subject: name});
    });
    await this.access.record(actor, {
      action: 'prompts.update',
      target: name,
      result: 'ok',
      permission: WRITE,
      details: {changed: given, ...(fields.permission ? {permission: fields.permission} : {})},
    });
    return view(next);
  }

  /** Deletes a prompt (prompts:write, and its own permission); asks `confirm` after the checks. */
  async delete(actor: Actor, name: string, options: PromptDeleteOptions = {}): Promise<DeletedPrompt> {
    await this.access.authorize(actor, WRITE, 'prompts.delete', name);
    const current = await this.find(name);
    await requireGuardHeld(this.access, actor, current.permission, {
      action: 'prompts.delete',
      target: name,
      doing: `delete prompt "${name}"`,
      code: 'PROMPT_PERMISSION_NOT_HELD',
    });
    if (options.dryRun) return {name, deleted: false, dryRun: true};
    await options.confirm?.(`Delete prompt "${name}"? MCP clients stop seeing it at once.`);
    await this.db.transaction(async (manager) => {
      const result = await manager.getRepository(Prompt).delete({name});
      if ((result.affected ?? 0) === 0) throw notFoundError(name);
      await this.events.emit(PROMPTS_CHANGED, {name, change: 'deleted'}, {transaction: manager, actor, subject: name});
    });
    await this.access.record(actor, {
      action: 'prompts.delete',
      target: name,
      result: 'ok',
      permission: WRITE,
      details: {permission: current.permission},
    });
    return {name, deleted: true};
  }
}
