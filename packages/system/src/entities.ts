import {EntitySchema} from '@systemprompt/database/schema';

/** One server's heartbeat: who it is, where it listens, and its figures at the last beat. */
export interface ServerRow {
  id: string;
  hostname: string;
  pid: number;
  url: string;
  version: string;
  /** running | draining | stopped (a running server that stopped beating is shown as lost). */
  state: string;
  startedAt: string;
  lastBeatAt: string;
  intervalSeconds: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** CPU use since the previous beat, in percent of one core. */
  cpuPercent: number;
}

const varchar = (length: number) => ({type: 'varchar' as const, length});

export const Server = new EntitySchema<ServerRow>({
  name: 'SystemServer',
  tableName: 'system_servers',
  columns: {
    id: {...varchar(36), primary: true},
    hostname: varchar(255),
    pid: {type: 'integer'},
    url: varchar(300),
    version: varchar(40),
    state: varchar(16),
    startedAt: {...varchar(32), name: 'started_at'},
    lastBeatAt: {...varchar(32), name: 'last_beat_at'},
    intervalSeconds: {type: 'integer', name: 'interval_seconds'},
    rssBytes: {type: 'bigint', name: 'rss_bytes'},
    heapUsedBytes: {type: 'bigint', name: 'heap_used_bytes'},
    cpuPercent: {type: 'float', name: 'cpu_percent'},
  },
});

export const SYSTEM_ENTITIES = [Server];
