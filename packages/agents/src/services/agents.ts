import {
  conflict,
  notFound,
  SYSTEM_ACTOR,
  type Actor,
  type ConfirmStep,
  type EventBus,
  type ListQuery,
  type ListResult,
} from '@systemprompt/core';
import {queryList, type ListPlan, type ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import type {ProviderService} from '@systemprompt/config';
import type {UsersApi} from '@systemprompt/users';
import {Agent, AgentTask, type AgentRow} from '../entities.js';
import {checkAgentName, checkInstructions, checkLimits, checkToolPatterns, type AgentLimits} from './settings.js';

/** An agent as lists and agents:config show it. */
export interface AgentView {
  name: string;
  description: string | null;
  state: 'started' | 'stopped';
  /** PROVIDER/MODEL. */
  model: string;
  tools: string[];
  limits: AgentLimits;
  /** The user whose permissions bound its tool calls (local-admin: the local operator). */
  runAs: string;
  instructions: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

/** What agents:create and agents:config set; absent fields keep their value (create: defaults). */
export interface AgentChanges {
  description?: string | null;
  instructions?: string;
  /** PROVIDER/MODEL, a model name registered once, or undefined for the registry's default (create). */
  model?: string;
  tools?: readonly string[];
  limits?: AgentLimits;
  /** A user id or email. */
  runAs?: string;
}

export const AGENT_LIST_FIELDS = [
  'name',
  'state',
  'model',
  'runAs',
  'description',
  'createdAt',
  'updatedAt',
  'createdBy',
] as const;
const AGENT_LIST: ListPlan = {
  fields: {
    name: 'a.name',
    state: 'a.state',
    model: 'a.model',
    runAs: 'a.run_as_label',
    description: 'a.description',
    createdAt: {sql: 'a.created_at', kind: 'number'},
    updatedAt: {sql: 'a.updated_at', kind: 'number'},
    createdBy: 'a.created_by',
  },
  searchable: ['name', 'description', 'model'],
  order: [['name', 'asc']],
};

const iso = (millis: number | string) => new Date(Number(millis)).toISOString();
export const LOCAL_OPERATOR = 'local-admin';

export function agentView(row: AgentRow): AgentView {
  return {
    name: row.name,
    description: row.description,
    state: row.state === 'started' ? 'started' : 'stopped',
    model: `${row.provider}/${row.model}`,
    tools: JSON.parse(row.tools) as string[],
    limits: JSON.parse(row.limits) as AgentLimits,
    runAs: row.runAsLabel,
    instructions: row.instructions,
    version: Number(row.version),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    createdBy: row.createdBy,
    updatedBy: row.updatedBy,
  };
}

export const agentNotFound = (name: string) =>
  notFound(`No agent ${name}`, {code: 'AGENT_NOT_FOUND', details: {name}, hint: 'See agents:list.'});

const changedError = (name: string) =>
  conflict(`The agent ${name} was changed by someone else meanwhile`, {
    code: 'AGENT_CHANGED',
    details: {name},
    hint: 'Look at it again (agents:config NAME) and repeat the change.',
  });

/** The parts of other modules the agent registry uses. */
export interface AgentRegistryParts {
  db: ModuleDatabase;
  users: UsersApi;
  providers: ProviderService;
  events: EventBus;
}

/**
 * The agents: their configuration (instructions, model, allowed tools, limits, the user they act as)
 * and desired state. Reading takes agents:read, changing agents:write; an agent acting as someone
 * else needs agents:admin and every permission that user holds (nobody makes an agent stronger than
 * themselves).
 */
export class AgentService {
  constructor(private readonly parts: AgentRegistryParts) {}

  private get access() {
    return this.parts.users.access;
  }

  private get repository() {
    return this.parts.db.repository(Agent);
  }

  /** The stored agent (no permission: for code that checked one). */
  async find(name: string, manager?: EntityManager): Promise<AgentRow | undefined> {
    return (await (manager?.getRepository(Agent) ?? this.repository).findOneBy({name})) ?? undefined;
  }

  async require(name: string, manager?: EntityManager): Promise<AgentRow> {
    const row = await this.find(name, manager);
    if (!row) throw agentNotFound(name);
    return row;
  }

  async list(actor: Actor, query: ListQuery): Promise<ListResult<AgentView>> {
    await this.access.authorize(actor, 'agents:read', 'agents.list');
    const page = await queryList(this.repository.createQueryBuilder('a'), query, AGENT_LIST);
    return {...page, items: page.items.map(agentView)};
  }

  async get(actor: Actor, name: string): Promise<AgentView> {
    await this.access.authorize(actor, 'agents:read', 'agents.show', name);
    return agentView(await this.require(name));
  }

  async create(
    actor: Actor,
    name: string,
    changes: AgentChanges,
    options: {dryRun?: boolean} = {},
  ): Promise<AgentView & {action: 'created' | 'checked'}> {
    await this.access.authorize(actor, 'agents:write', 'agents.create', name);
    checkAgentName(name);
    const now = Date.now();
    const {provider, model} = await this.resolveModel(changes.model);
    const runAs = await this.resolveRunAs(actor, changes.runAs, name);
    const row: AgentRow = {
      name,
      description: changes.description ?? null,
      instructions: checkInstructions(changes.instructions ?? ''),
      provider,
      model,
      tools: JSON.stringify(checkToolPatterns(changes.tools ?? [])),
      limits: JSON.stringify(checkLimits(changes.limits ?? {})),
      runAsId: runAs.id,
      runAsLabel: runAs.label,
      state: 'stopped',
      version: 1,
      createdAt: now,
      updatedAt: now,
      createdBy: actor.label,
      updatedBy: actor.label,
    };
    if (await this.find(name)) throw this.exists(name);
    if (options.dryRun) return {...agentView(row), action: 'checked'};
    await this.parts.db.transaction(async (manager) => {
      try {
        await manager.getRepository(Agent).insert(row);
      } catch (error) {
        if (await manager.getRepository(Agent).existsBy({name})) throw this.exists(name);
        throw error;
      }
      await this.parts.events.emit(
        'agent.created',
        {name, model: `${provider}/${model}`, runAs: runAs.label},
        {
          transaction: manager,
          subject: name,
        },
      );
    });
    await this.audit(actor, 'agents.create', name, {model: `${provider}/${model}`, runAs: runAs.label});
    return {...agentView(row), action: 'created'};
  }

  async update(actor: Actor, name: string, changes: AgentChanges): Promise<AgentView & {changed: string[]}> {
    await this.access.authorize(actor, 'agents:write', 'agents.update', name);
    const row = await this.require(name);
    const next: AgentRow = {...row};
    if (changes.description !== undefined) next.description = changes.description;
    if (changes.instructions !== undefined) next.instructions = checkInstructions(changes.instructions);
    if (changes.model !== undefined) Object.assign(next, await this.resolveModel(changes.model));
    if (changes.tools !== undefined) next.tools = JSON.stringify(checkToolPatterns(changes.tools));
    if (changes.limits !== undefined) {
      const merged = {...(JSON.parse(row.limits) as AgentLimits), ...changes.limits};
      next.limits = JSON.stringify(checkLimits(merged));
    }
    if (changes.runAs !== undefined) {
      const runAs = await this.resolveRunAs(actor, changes.runAs, name);
      next.runAsId = runAs.id;
      next.runAsLabel = runAs.label;
    } else if (row.runAsId !== (actor.kind === 'user' ? actor.id : null)) {
      // Changing what an agent acting as someone else does is acting as them: the same rule as making it.
      await this.checkMayActAs(actor, row, name);
    }
    const fields = ['description', 'instructions', 'provider', 'model', 'tools', 'limits', 'runAsId'] as const;
    const changed = fields
      .filter((field) => next[field] !== row[field])
      .map((field) => (field === 'runAsId' ? 'runAs' : field));
    if (changed.length === 0) return {...agentView(row), changed: []};
    next.version = Number(row.version) + 1;
    next.updatedAt = Date.now();
    next.updatedBy = actor.label;
    await this.parts.db.transaction(async (manager) => {
      const {name: _name, ...values} = next;
      const result = await manager.getRepository(Agent).update({name, version: row.version}, values);
      if (!result.affected) throw changedError(name);
      await this.parts.events.emit(
        'agent.updated',
        {name, changed, version: next.version},
        {
          transaction: manager,
          subject: name,
        },
      );
    });
    await this.audit(actor, 'agents.update', name, {changed, version: next.version});
    return {...agentView(next), changed};
  }

  /** Sets the desired state; a start queues the tasks that waited (in the same transaction). */
  async setState(
    actor: Actor,
    name: string,
    state: 'started' | 'stopped',
    onStart?: (manager: EntityManager) => Promise<number>,
  ): Promise<{name: string; state: string; changed: boolean; queued?: number}> {
    const verb = state === 'started' ? 'start' : 'stop';
    await this.access.authorize(actor, 'agents:write', `agents.${verb}`, name);
    const row = await this.require(name);
    // Starting an agent that acts as someone else sets it working with their permissions.
    if (state === 'started') await this.checkMayActAs(actor, row, name);
    if (row.state === state) return {name, state, changed: false};
    const queued = await this.parts.db.transaction(async (manager) => {
      const result = await manager
        .getRepository(Agent)
        .update(
          {name, version: row.version},
          {state, version: Number(row.version) + 1, updatedAt: Date.now(), updatedBy: actor.label},
        );
      if (!result.affected) throw changedError(name);
      await this.parts.events.emit(`agent.${state}`, {name}, {transaction: manager, subject: name});
      return state === 'started' && onStart ? onStart(manager) : undefined;
    });
    await this.audit(actor, `agents.${verb}`, name, queued === undefined ? {} : {queued});
    return {name, state, changed: true, ...(queued === undefined ? {} : {queued})};
  }

  /** Deletes an agent and its finished tasks' records; refused while tasks wait or run, unless `force` fails them. */
  async delete(
    actor: Actor,
    name: string,
    options: {dryRun?: boolean; force?: boolean; confirm?: ConfirmStep} = {},
  ): Promise<{name: string; deleted: boolean; tasks: number; dryRun?: true}> {
    await this.access.authorize(actor, 'agents:write', 'agents.delete', name);
    const row = await this.require(name);
    const tasks = this.parts.db.repository(AgentTask);
    const open = await tasks
      .createQueryBuilder('t')
      .where('t.agent = :name', {name})
      .andWhere('t.status IN (:...open)', {open: ['pending', 'queued', 'running']})
      .getCount();
    if (open > 0 && !options.force)
      throw conflict(`The agent ${name} has ${open} task(s) waiting or running`, {
        code: 'AGENT_BUSY',
        details: {name, open},
        hint: 'Stop it (agents:stop) and let them end, or add --force to fail them.',
      });
    const total = await tasks.countBy({agent: name});
    if (options.dryRun) return {name, deleted: false, tasks: total, dryRun: true};
    await options.confirm?.(`Delete agent ${name} and the records of its ${total} task(s)?`);
    await this.parts.db.transaction(async (manager) => {
      const result = await manager.getRepository(Agent).delete({name, version: row.version});
      if (!result.affected) throw changedError(name);
      // Steps go with their tasks (foreign key); a task still running finds its agent gone and stops.
      await manager.getRepository(AgentTask).delete({agent: name});
      await this.parts.events.emit('agent.deleted', {name, tasks: total}, {transaction: manager, subject: name});
    });
    await this.audit(actor, 'agents.delete', name, {tasks: total});
    return {name, deleted: true, tasks: total};
  }

  /**
   * Whether `actor` may have an agent act as the user `runAsId` (null: the local operator): oneself
   * always; someone else with agents:admin and every permission they hold; the local operator (who
   * holds everything) only the local operator, the system or a holder of `*`.
   */
  async checkMayActAs(actor: Actor, runAs: Pick<AgentRow, 'runAsId' | 'runAsLabel'>, agent: string): Promise<void> {
    if (actor.kind === 'local' || actor.kind === 'system') return;
    if (actor.kind === 'user' && actor.id === runAs.runAsId) return;
    await this.access.authorize(actor, 'agents:admin', 'agents.act-as', agent);
    if (runAs.runAsId === null)
      await this.access.assertCanGrant(actor, ['*'], 'agents.act-as', `agent ${agent}`, 'the local operator');
    else await this.access.assertCanActAs(actor, runAs.runAsId, 'agents.act-as', runAs.runAsLabel);
  }

  /** The user an agent acts as: `reference` (checked), else the actor themselves. */
  private async resolveRunAs(
    actor: Actor,
    reference: string | undefined,
    agent: string,
  ): Promise<{id: string | null; label: string}> {
    if (reference === undefined || reference === '') {
      if (actor.kind === 'user') return {id: actor.id, label: actor.label};
      return {id: null, label: LOCAL_OPERATOR};
    }
    if (reference === LOCAL_OPERATOR) {
      await this.checkMayActAs(actor, {runAsId: null, runAsLabel: LOCAL_OPERATOR}, agent);
      return {id: null, label: LOCAL_OPERATOR};
    }
    const self =
      actor.kind === 'user' && (reference === actor.id || reference.toLowerCase() === actor.label.toLowerCase());
    // Checked before the look-up answers, so nobody learns who exists without the right to act as others.
    if (!self) await this.access.authorize(actor, 'agents:admin', 'agents.act-as', agent);
    const user = await this.parts.users.users.find(reference);
    await this.checkMayActAs(actor, {runAsId: user.id, runAsLabel: user.email}, agent);
    return {id: user.id, label: user.email};
  }

  /** PROVIDER/MODEL, a model name registered under one provider, or (undefined) the registry's default. */
  async resolveModel(reference: string | undefined): Promise<{provider: string; model: string}> {
    const models = await this.parts.providers.listModels(SYSTEM_ACTOR);
    const unknown = (message: string) =>
      notFound(message, {
        code: 'AGENT_MODEL_UNKNOWN',
        hint: models.length
          ? `Registered: ${models
              .slice(0, 10)
              .map((model) => `${model.provider}/${model.name}`)
              .join(', ')}${models.length > 10 ? ', ...' : ''} (config:model).`
          : 'Register a provider and a model first: config:provider:add, then config:model:add.',
      });
    if (reference === undefined) {
      const fallback = models.find((model) => model.default);
      if (!fallback) throw unknown('No --model given and no default model is set (config:model:default)');
      return {provider: fallback.provider, model: fallback.name};
    }
    const slash = reference.indexOf('/');
    if (slash > 0) {
      const provider = reference.slice(0, slash);
      const name = reference.slice(slash + 1);
      const found = models.find((model) => model.provider === provider && model.name === name);
      if (found) return {provider, model: name};
    }
    const named = models.filter((model) => model.name === reference);
    if (named.length === 1) return {provider: named[0]!.provider, model: reference};
    if (named.length > 1)
      throw unknown(
        `The model ${reference} is registered under several providers (${named.map((model) => model.provider).join(', ')}): give PROVIDER/MODEL`,
      );
    throw unknown(`No model ${reference} in the registry`);
  }

  private exists(name: string) {
    return conflict(`The agent ${name} already exists`, {
      code: 'AGENT_EXISTS',
      details: {name},
      hint: 'Change it with agents:config NAME, or choose another name.',
    });
  }

  private audit(actor: Actor, action: string, target: string, details: Record<string, unknown>): Promise<void> {
    return this.access.record(actor, {action, target, result: 'ok', permission: 'agents:write', details});
  }
}
