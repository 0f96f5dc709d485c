import {
  conflict,
  notFound,
  type AccessProvider,
  type Actor,
  type ConfirmStep,
  type ListQuery,
  type ListResult,
} from '@systemprompt/core';
import {queryList, type ListPlan, type ModuleDatabase} from '@systemprompt/database';
import {WorkflowDefinition as DefinitionEntity, type DefinitionRow} from '../entities.js';
import type {WorkflowDefinition} from '../generated/workflow.js';
import {allSteps, checkDefinition, parseSource} from './definition-check.js';

/** A stored workflow, as lists show it. */
export interface DefinitionSummary {
  name: string;
  description: string | null;
  version: number;
  /** Steps in all, nested ones included. */
  steps: number;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

/** A stored workflow with its definition. */
export interface DefinitionView extends DefinitionSummary {
  definition: WorkflowDefinition;
}

export interface CreateResult extends DefinitionSummary {
  /** created, updated (a new version), or checked (--dry-run: valid, nothing stored). */
  action: 'created' | 'updated' | 'checked';
}

export const DEFINITION_LIST_FIELDS = [
  'name',
  'description',
  'version',
  'createdAt',
  'updatedAt',
  'createdBy',
  'updatedBy',
] as const;
const DEFINITION_LIST: ListPlan = {
  fields: {
    name: 'd.name',
    description: 'd.description',
    version: {sql: 'd.version', kind: 'number'},
    createdAt: {sql: 'd.created_at', kind: 'number'},
    updatedAt: {sql: 'd.updated_at', kind: 'number'},
    createdBy: 'd.created_by',
    updatedBy: 'd.updated_by',
  },
  searchable: ['name', 'description'],
  order: [['name', 'asc']],
};

const iso = (millis: number | string) => new Date(Number(millis)).toISOString();

function summaryOf(row: DefinitionRow, definition: WorkflowDefinition): DefinitionSummary {
  return {
    name: row.name,
    description: row.description,
    version: Number(row.version),
    steps: allSteps(definition.steps).length,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    createdBy: row.createdBy,
    updatedBy: row.updatedBy,
  };
}

const notFoundError = (name: string) =>
  notFound(`No workflow ${name}`, {code: 'WORKFLOW_NOT_FOUND', details: {name}, hint: 'See workflows:list.'});

/**
 * Workflow definitions: stored as checked JSON under their name, one version at a time (runs keep the
 * version they started with). Reading takes workflows:read, changing workflows:write.
 */
export class DefinitionService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessProvider,
  ) {}

  /** The stored definition (no permission: for runs, whose starter's permission was checked). */
  async load(name: string): Promise<{row: DefinitionRow; definition: WorkflowDefinition} | undefined> {
    const row = await this.db.repository(DefinitionEntity).findOneBy({name});
    return row ? {row, definition: JSON.parse(row.definition) as WorkflowDefinition} : undefined;
  }

  async require(name: string): Promise<{row: DefinitionRow; definition: WorkflowDefinition}> {
    const found = await this.load(name);
    if (!found) throw notFoundError(name);
    return found;
  }

  /**
   * Stores a definition from its YAML or JSON text: a new workflow, or with `replace` the next
   * version of an existing one (without it an existing name is exit 5). `dryRun` checks it only.
   */
  async create(
    actor: Actor,
    source: string,
    options: {replace?: boolean; dryRun?: boolean} = {},
  ): Promise<CreateResult> {
    await this.access.authorize(actor, 'workflows:write', 'workflows.create');
    const definition = await checkDefinition(await parseSource(source));
    const {name} = definition;
    const now = Date.now();
    const existing = await this.db.repository(DefinitionEntity).findOneBy({name});
    if (existing && !options.replace)
      throw conflict(`The workflow ${name} already exists (version ${existing.version})`, {
        code: 'WORKFLOW_EXISTS',
        details: {name, version: Number(existing.version)},
        hint: 'Add --replace to store this as its next version.',
      });
    const row: DefinitionRow = {
      name,
      description: definition.description ?? null,
      version: existing ? Number(existing.version) + 1 : 1,
      definition: JSON.stringify(definition),
      createdAt: existing ? Number(existing.createdAt) : now,
      updatedAt: now,
      createdBy: existing ? existing.createdBy : actor.label,
      updatedBy: actor.label,
    };
    if (options.dryRun) return {...summaryOf(row, definition), action: 'checked'};
    const action = existing ? 'updated' : 'created';
    await this.db.transaction(async (manager) => {
      const definitions = manager.getRepository(DefinitionEntity);
      if (existing) {
        // The version it was read at guards the write: two updates at once make two versions, not one.
        const {name: _name, ...change} = row;
        const result = await definitions.update({name, version: existing.version}, change);
        if (!result.affected) throw changedError(name);
      } else {
        try {
          await definitions.insert(row);
        } catch (error) {
          if (await definitions.existsBy({name}))
            throw conflict(`The workflow ${name} already exists`, {code: 'WORKFLOW_EXISTS', cause: error});
          throw error;
        }
      }
    });
    await this.access.record(actor, {
      action: `workflows.${action === 'created' ? 'create' : 'update'}`,
      target: name,
      result: 'ok',
      permission: 'workflows:write',
      details: {version: row.version},
    });
    return {...summaryOf(row, definition), action};
  }

  async list(actor: Actor, query: ListQuery): Promise<ListResult<DefinitionSummary>> {
    await this.access.authorize(actor, 'workflows:read', 'workflows.list');
    const page = await queryList(this.db.repository(DefinitionEntity).createQueryBuilder('d'), query, DEFINITION_LIST);
    return {...page, items: page.items.map((row) => summaryOf(row, JSON.parse(row.definition) as WorkflowDefinition))};
  }

  async get(actor: Actor, name: string): Promise<DefinitionView> {
    await this.access.authorize(actor, 'workflows:read', 'workflows.show', name);
    const {row, definition} = await this.require(name);
    return {...summaryOf(row, definition), definition};
  }

  /** Deletes a definition; its runs stay (each holds the definition it ran), and so does their history. */
  async delete(
    actor: Actor,
    name: string,
    options: {dryRun?: boolean; confirm?: ConfirmStep} = {},
  ): Promise<{name: string; version: number; deleted: boolean; dryRun?: true}> {
    await this.access.authorize(actor, 'workflows:write', 'workflows.delete', name);
    const {row} = await this.require(name);
    const version = Number(row.version);
    if (options.dryRun) return {name, version, deleted: false, dryRun: true};
    await options.confirm?.(`Delete workflow ${name} (version ${version})?`);
    const result = await this.db.transaction(
      (manager) => manager.getRepository(DefinitionEntity).delete({name, version: row.version}),
      {leaf: true},
    );
    if (!result.affected) throw changedError(name);
    await this.access.record(actor, {
      action: 'workflows.delete',
      target: name,
      result: 'ok',
      permission: 'workflows:write',
      details: {version},
    });
    return {name, version, deleted: true};
  }
}

function changedError(name: string) {
  return conflict(`The workflow ${name} was changed by someone else meanwhile`, {
    code: 'WORKFLOW_CHANGED',
    details: {name},
    hint: 'Look at it again (workflows:show) and repeat the change.',
  });
}
