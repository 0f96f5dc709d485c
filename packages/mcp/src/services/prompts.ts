import {readFile} from 'node:fs/promises';
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
import {Prompt, type PromptRow} from '../entities.js';
import {
  GUARDED_ITEM_FIELDS,
  TEXT_COLUMN_BYTES,
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

/** A prompt's name: what MCP clients ask `prompts/get` for. */
export const PROMPT_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** An argument's name, as its `{{placeholder}}` names it. */
export const PROMPT_ARGUMENT_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
/** `{{name}}` or `{{ name }}`; any other text in double braces is left as it is. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_-]{0,63})\s*\}\}/g;
export const MAX_PROMPT_ARGUMENTS = 50;
/** Characters of one argument value given to `render`. */
export const MAX_ARGUMENT_VALUE = 100_000;
/** What guards a prompt that names no permission. */
export const DEFAULT_PROMPT_PERMISSION = 'prompts:read';
const MAX_TITLE = 200;
const MAX_ARGUMENT_DESCRIPTION = 500;
const READ = 'prompts:read';
const WRITE = 'prompts:write';

export interface PromptArgument {
  name: string;
  description?: string;
  required: boolean;
}

export interface PromptArgumentInput {
  name: string;
  description?: string | null;
  /** True unless it says false. */
  required?: boolean;
}

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

function argumentsError(message: string, details?: Record<string, unknown>): Error {
  return invalidInput(message, {
    code: 'PROMPT_ARGUMENTS_INVALID',
    ...(details ? {details} : {}),
    hint: 'An argument is NAME (letters, digits, _ and -, starting with a letter or _), an optional description, and whether it is required.',
  });
}

/** The declared arguments, checked: valid unique names, short descriptions, required by default. */
export function checkPromptArguments(raw: unknown): PromptArgument[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw argumentsError('The arguments must be a list');
  if (raw.length > MAX_PROMPT_ARGUMENTS)
    throw argumentsError(`A prompt has at most ${MAX_PROMPT_ARGUMENTS} arguments; this one has ${raw.length}`);
  const seen = new Set<string>();
  const checked = raw.map((item: unknown): PromptArgument => {
    const {name, description, required} = (item ?? {}) as Partial<PromptArgumentInput>;
    if (typeof name !== 'string' || !PROMPT_ARGUMENT_PATTERN.test(name))
      throw argumentsError(`Argument name ${quoted(String(name))} is not valid`, {argument: String(name)});
    if (seen.has(name)) throw argumentsError(`Argument "${name}" is declared twice`, {argument: name});
    seen.add(name);
    if (required !== undefined && typeof required !== 'boolean')
      throw argumentsError(`Argument "${name}": required must be true or false`, {argument: name});
    const text =
      description === undefined || description === null
        ? ''
        : checkText(description, {
            what: `The description of argument "${name}"`,
            max: MAX_ARGUMENT_DESCRIPTION,
            code: 'PROMPT_ARGUMENTS_INVALID',
          });
    return {name, ...(text ? {description: text} : {}), required: required ?? true};
  });
  const bytes = Buffer.byteLength(JSON.stringify(checked), 'utf8');
  if (bytes > TEXT_COLUMN_BYTES)
    throw argumentsError(
      `The arguments take ${bytes} bytes; the most is ${TEXT_COLUMN_BYTES}: shorten their descriptions`,
    );
  return checked;
}

/** The names the template's `{{placeholders}}` use, in order of first use. */
export function templatePlaceholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

/** Every placeholder must be a declared argument, and every argument must be used. */
function checkTemplate(template: string, declared: readonly PromptArgument[]): void {
  const used = templatePlaceholders(template);
  const names = declared.map((argument) => argument.name);
  const undeclared = used.filter((name) => !names.includes(name));
  const unused = names.filter((name) => !used.includes(name));
  if (undeclared.length === 0 && unused.length === 0) return;
  const braces = (list: string[]) => list.map((name) => `{{${name}}}`).join(', ');
  const problems = [
    ...(undeclared.length > 0
      ? [
          `the template uses ${braces(undeclared)}, ${undeclared.length === 1 ? 'which is not a declared argument' : 'which are not declared arguments'}`,
        ]
      : []),
    ...(unused.length > 0
      ? [
          `argument${unused.length === 1 ? '' : 's'} ${unused.map((name) => `"${name}"`).join(', ')} ${unused.length === 1 ? 'is' : 'are'} declared but the template never uses ${braces(unused)}`,
        ]
      : []),
  ];
  throw invalidInput(`Placeholders and arguments differ: ${problems.join('; ')}`, {
    code: 'PROMPT_TEMPLATE_INVALID',
    details: {undeclared, unused},
    hint: 'Declare each {{placeholder}} as an argument (prompts:create --argument NAME:DESCRIPTION, or NAME?:DESCRIPTION when optional), and use each argument in the template.',
  });
}

/**
 * An argument as the commands take it (--argument): `NAME:DESCRIPTION`, or `NAME?:DESCRIPTION` when
 * optional; the description may be left out (`NAME`, `NAME?`). The service checks the name.
 */
export function parseArgumentSpec(spec: string): PromptArgumentInput {
  const colon = spec.indexOf(':');
  const head = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  const description = colon < 0 ? '' : spec.slice(colon + 1).trim();
  const optional = head.endsWith('?');
  return {name: optional ? head.slice(0, -1) : head, ...(description ? {description} : {}), required: !optional};
}

/** `NAME=VALUE` pairs (--arg) as the arguments of `render`; a pair without `=`, or a name given twice, is exit 2. */
export function parseArgumentValues(pairs: readonly string[]): Record<string, string> {
  const values = new Map<string, string>();
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    const name = equals < 0 ? '' : pair.slice(0, equals);
    if (!name)
      throw invalidInput(`--arg ${quoted(pair)} is not NAME=VALUE`, {
        code: 'PROMPT_ARGUMENT_INVALID',
        hint: 'For example --arg topic=billing.',
      });
    if (values.has(name))
      throw invalidInput(`--arg ${name} is given twice`, {code: 'PROMPT_ARGUMENT_INVALID', details: {argument: name}});
    values.set(name, pair.slice(equals + 1));
  }
  // fromEntries makes own properties, also of a name such as __proto__.
  return Object.fromEntries(values);
}

/** The template of --template-file (UTF-8); an unreadable file is exit 2. */
export async function readTemplateFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw invalidInput(`--template-file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      code: 'PROMPT_TEMPLATE_FILE_UNREADABLE',
    });
  }
}

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
    return (await visibleItems(this.access, actor, rows)).map(view);
  }

  /**
   * MCP `prompts/get`: the template filled in with `args`. The actor must hold the prompt's
   * permission (a refusal is audited); every required argument must be given, and no other.
   * An optional argument left out is replaced by nothing.
   */
  async render(actor: Actor, name: string, args: Record<string, string> = {}): Promise<RenderedPrompt> {
    const prompt = view(await this.find(name));
    await this.access.authorize(actor, prompt.permission, 'prompts.get', name);
    if (args === null || typeof args !== 'object' || Array.isArray(args))
      throw invalidInput('The arguments must be an object of names and text values', {
        code: 'PROMPT_ARGUMENT_INVALID',
      });
    const declared = new Map(prompt.arguments.map((argument) => [argument.name, argument]));
    const names = [...declared.keys()];
    const unknown = Object.keys(args).filter((key) => !declared.has(key));
    if (unknown.length > 0)
      throw invalidInput(`Prompt "${name}" has no argument ${unknown.map((key) => quoted(key)).join(', ')}`, {
        code: 'PROMPT_ARGUMENT_UNKNOWN',
        details: {unknown, arguments: names},
        hint: names.length > 0 ? `Its arguments: ${names.join(', ')}.` : 'It takes no arguments.',
      });
    const values = new Map<string, string>();
    for (const argument of prompt.arguments) {
      const value: unknown = Object.hasOwn(args, argument.name) ? args[argument.name] : undefined;
      if (value === undefined) {
        if (argument.required)
          throw invalidInput(`Prompt "${name}" needs argument "${argument.name}"`, {
            code: 'PROMPT_ARGUMENT_MISSING',
            details: {argument: argument.name},
            hint: `Required: ${prompt.arguments
              .filter((each) => each.required)
              .map((each) => each.name)
              .join(', ')}.`,
          });
        continue;
      }
      if (typeof value !== 'string')
        throw invalidInput(`Argument "${argument.name}" must be text`, {
          code: 'PROMPT_ARGUMENT_INVALID',
          details: {argument: argument.name},
        });
      if (value.length > MAX_ARGUMENT_VALUE)
        throw invalidInput(`Argument "${argument.name}" is longer than ${MAX_ARGUMENT_VALUE} characters`, {
          code: 'PROMPT_ARGUMENT_INVALID',
          details: {argument: argument.name, max: MAX_ARGUMENT_VALUE},
        });
      values.set(argument.name, value);
    }
    // One pass: a value that itself holds {{...}} is not filled in again.
    const text = prompt.template.replace(PLACEHOLDER, (_match, key: string) => values.get(key) ?? '');
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
