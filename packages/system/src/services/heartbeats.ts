import {hostname} from 'node:os';
import {notFound, type AccessProvider, type Actor} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import {Server, type ServerRow} from '../entities.js';

/** A server counts as lost once it missed this many beats. */
export const LOST_AFTER_BEATS = 3;

export interface HeartbeatView extends ServerRow {
  /** running, draining, stopped, or lost (it stopped beating without saying so). */
  state: string;
  /** Seconds since the last beat. */
  ageSeconds: number;
}

/** What a server says about itself at each beat. */
export interface BeatInput {
  id: string;
  pid: number;
  url: string;
  version: string;
  state: 'running' | 'draining' | 'stopped';
  startedAt: string;
  intervalSeconds: number;
  cpuPercent: number;
}

export function viewOf(row: ServerRow, now: number = Date.now()): HeartbeatView {
  const ageSeconds = Math.max(0, Math.round((now - Date.parse(row.lastBeatAt)) / 1000));
  const lost = row.state !== 'stopped' && ageSeconds > LOST_AFTER_BEATS * Number(row.intervalSeconds);
  return {
    id: row.id,
    hostname: row.hostname,
    pid: Number(row.pid),
    url: row.url,
    version: row.version,
    state: lost ? 'lost' : row.state,
    startedAt: row.startedAt,
    lastBeatAt: row.lastBeatAt,
    ageSeconds,
    intervalSeconds: Number(row.intervalSeconds),
    rssBytes: Number(row.rssBytes),
    heapUsedBytes: Number(row.heapUsedBytes),
    cpuPercent: Number(row.cpuPercent),
  };
}

/**
 * Servers record a heartbeat row in the database every interval, so any process (on any host sharing
 * the database) sees which servers run, and which went away without stopping (lost).
 */
export class HeartbeatService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: () => Promise<AccessProvider>,
  ) {}

  /** Records a beat: inserts the row, or updates it (a row cleared by heartbeat:reset comes back). */
  async beat(input: BeatInput, now: Date = new Date()): Promise<void> {
    const memory = process.memoryUsage();
    const row: ServerRow = {
      ...input,
      hostname: hostname(),
      lastBeatAt: now.toISOString(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      cpuPercent: Math.round(input.cpuPercent * 10) / 10,
    };
    await this.db.repository(Server).upsert(row, ['id']);
  }

  /** Every server's last beat, newest first (system:read). */
  async list(actor: Actor): Promise<HeartbeatView[]> {
    await (await this.access()).authorize(actor, 'system:read', 'system.heartbeats');
    const rows = await this.db.repository(Server).find({order: {lastBeatAt: 'DESC'}});
    const now = Date.now();
    return rows.map((row) => viewOf(row, now));
  }

  async find(id: string): Promise<HeartbeatView | undefined> {
    const row = await this.db.repository(Server).findOneBy({id});
    return row ? viewOf(row) : undefined;
  }

  /** Clears the stored heartbeats, or one server's (system:write); running servers record theirs again at the next beat. */
  async reset(actor: Actor, id?: string): Promise<{removed: number}> {
    const access = await this.access();
    await access.authorize(actor, 'system:write', 'system.heartbeat-reset', id ?? null);
    const removed = await this.db.transaction(async (manager) => {
      const servers = manager.getRepository(Server);
      if (id) {
        const matches = (await servers.find()).filter((row) => row.id === id || row.id.startsWith(id));
        if (matches.length !== 1)
          throw notFound(matches.length === 0 ? `No heartbeat of server ${id}` : `${id} names several servers`, {
            code: 'SERVER_NOT_FOUND',
            hint: 'See heartbeat:status for the servers.',
          });
        await servers.delete({id: matches[0]!.id});
        return 1;
      }
      const result = await servers.createQueryBuilder().delete().execute();
      return result.affected ?? 0;
    });
    await access.record(actor, {
      action: 'system.heartbeat-reset',
      target: id ?? null,
      result: 'ok',
      permission: 'system:write',
      details: {removed},
    });
    return {removed};
  }
}
