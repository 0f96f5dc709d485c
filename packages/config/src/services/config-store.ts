import {readRuntimeCache, setPath, writeRuntimeCache} from '@systemprompt/core/config';
import type {ListQuery, ListResult} from '@systemprompt/core';
import type {EntityManager} from '@systemprompt/database/schema';
import {WHOLE_LIST, queryList, type ListPlan, type ModuleDatabase} from '@systemprompt/database';
import {ConfigHistory, ConfigValue, type ConfigHistoryRow} from '../entities.js';

/** Runtime values as stored: module → dot path → value (a secret is its encrypted string). */
export type RuntimeState = Record<string, Record<string, unknown>>;

export interface Change {
  module: string;
  key: string;
  /** undefined removes the runtime value. */
  value: unknown;
}

export type ChangeAction = ConfigHistoryRow['action'];

/** The fields of config:history that --filter and --sort take; a version is a history row's id. */
export const HISTORY_LIST_FIELDS = ['version', 'key', 'action', 'actor', 'changedAt'] as const;

const HISTORY_LIST: ListPlan = {
  fields: {
    version: {sql: 'h.id', kind: 'number'},
    key: {sql: (engine) => (engine === 'mysql' ? "CONCAT(h.module, '.', h.key)" : "h.module || '.' || h.key")},
    action: 'h.action',
    actor: 'h.actor',
    changedAt: {sql: 'h.changedAt', kind: 'time'},
  },
  searchable: ['key', 'actor', 'action'],
  order: [['version', 'asc']],
};

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
const parse = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));

/**
 * The runtime layer in the database: current values and their append-only history, whose ids are
 * the configuration versions. After every change it rewrites the runtime cache that commands read
 * at start-up instead of opening the database.
 */
export class ConfigStore {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly configDirectory: string,
  ) {}

  async current(): Promise<RuntimeState> {
    const state: RuntimeState = {};
    for (const row of await this.db.repository(ConfigValue).find())
      (state[row.module] ??= {})[row.key] = parse(row.valueJson);
    return state;
  }

  async version(): Promise<number> {
    const [row] = await this.db.repository(ConfigHistory).find({order: {id: 'DESC'}, take: 1});
    return row?.id ?? 0;
  }

  /** The runtime values as they were right after `version` (0: none). */
  async stateAt(version: number): Promise<RuntimeState> {
    const state: RuntimeState = {};
    const rows = await this.db
      .repository(ConfigHistory)
      .createQueryBuilder('h')
      .where('h.id <= :version', {version})
      .orderBy('h.id', 'ASC')
      .getMany();
    for (const row of rows) {
      const value = parse(row.newValueJson);
      if (value === undefined) delete state[row.module]?.[row.key];
      else (state[row.module] ??= {})[row.key] = value;
    }
    return state;
  }

  /** One page of the history of every setting, of a module's or of one setting, read in the database. */
  async history(
    filter: {module?: string; key?: string} = {},
    query: ListQuery = WHOLE_LIST,
  ): Promise<ListResult<ConfigHistoryRow>> {
    const builder = this.db.repository(ConfigHistory).createQueryBuilder('h');
    if (filter.module) builder.andWhere('h.module = :module', {module: filter.module});
    if (filter.key) builder.andWhere('h.key = :key', {key: filter.key});
    return queryList(builder, query, HISTORY_LIST);
  }

  /**
   * Applies the changes that change something, all in one transaction, each with a history row
   * naming the actor (a signed-in user's email, `local-admin`, ...); returns the new version (the old
   * one when nothing changed). `inTransaction` runs in the same transaction once something changed
   * (the service writes its event there, so a rolled-back change emits none).
   */
  async apply(
    changes: readonly Change[],
    action: ChangeAction,
    actorLabel: string,
    inTransaction?: (manager: EntityManager, version: number) => Promise<void>,
  ): Promise<number> {
    const changedAt = new Date().toISOString();
    // The columns hold 200 characters; an email may have 254.
    const actor = actorLabel.length > 200 ? `${actorLabel.slice(0, 197)}...` : actorLabel;
    const version = await this.db.transaction(async (manager) => {
      const values = manager.getRepository(ConfigValue);
      const history = manager.getRepository(ConfigHistory);
      let last = 0;
      for (const change of changes) {
        const existing = await values.findOneBy({module: change.module, key: change.key});
        const before = existing ? existing.valueJson : null;
        const after = json(change.value);
        if (before === after) continue;
        if (after === null) await values.delete({module: change.module, key: change.key});
        else
          await values.save({
            module: change.module,
            key: change.key,
            valueJson: after,
            updatedAt: changedAt,
            updatedBy: actor,
          });
        const saved = await history.save({
          module: change.module,
          key: change.key,
          oldValueJson: before,
          newValueJson: after,
          action,
          actor,
          changedAt,
        });
        last = saved.id;
      }
      if (last > 0 && inTransaction) await inTransaction(manager, last);
      return last;
    });
    await this.refreshCache();
    return version || this.version();
  }

  /**
   * Deletes every runtime value of a module and their history, in one transaction (for a module
   * package removed with its data: nothing of it may come back with a later module of that name).
   */
  async forget(module: string): Promise<{values: number; history: number}> {
    const counts = await this.db.transaction(async (manager) => ({
      values: (await manager.getRepository(ConfigValue).delete({module})).affected ?? 0,
      history: (await manager.getRepository(ConfigHistory).delete({module})).affected ?? 0,
    }));
    await this.refreshCache(true);
    return counts;
  }

  /** Rewrites the runtime cache when the database has a newer version than the cache says. */
  async refreshCache(force = false): Promise<void> {
    const version = await this.version();
    if (!force && readRuntimeCache(this.configDirectory).version === version && version !== 0) return;
    const values: Record<string, Record<string, unknown>> = {};
    for (const [module, entries] of Object.entries(await this.current())) {
      for (const [key, value] of Object.entries(entries)) setPath((values[module] ??= {}), key, value);
    }
    await writeRuntimeCache(this.configDirectory, {version, values});
  }
}
