import type {ListPlan} from '@systemprompt/database';
import type {StoredActor} from '@systemprompt/queue';
import type {ScheduleRow, TickRow} from '../entities.js';
import {describeTarget, type StoredTarget} from './targets.js';
import type {Timing} from './timing.js';

/** A schedule as people see it (times as ISO strings). */
export interface ScheduleView {
  name: string;
  description: string | null;
  /** The pattern and its zone, or the one-off time, in one line. */
  schedule: string;
  cron: string | null;
  tz: string;
  at: string | null;
  /** The target in one line ("command: users:list --json", "workflow: nightly"). */
  target: string;
  targetKind: 'workflow' | 'command';
  workflow: string | null;
  input: unknown;
  command: string | null;
  missed: string;
  paused: boolean;
  /** scheduled, paused, or finished (a one-off that fired). */
  state: 'scheduled' | 'paused' | 'finished';
  /** Who the ticks act as. */
  owner: string;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastStatus: string | null;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

/** One tick as scheduler:history shows it. */
export interface TickView {
  schedule: string;
  tickAt: string;
  manual: boolean;
  /** The queue job that ran it (queue:job ID). */
  jobId: string | null;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  exitCode: number | null;
  reference: string | null;
  error: string | null;
  output: string | null;
  claimedBy: string;
  requestedBy: string | null;
}

export const iso = (millis: number | string | null | undefined): string | null =>
  millis === null || millis === undefined ? null : new Date(Number(millis)).toISOString();
const number = (value: number | string | null | undefined): number | null =>
  value === null || value === undefined ? null : Number(value);

export const targetOf = (row: Pick<ScheduleRow, 'target'>): StoredTarget => JSON.parse(row.target) as StoredTarget;
export const ownerOf = (row: Pick<ScheduleRow, 'owner'>): StoredActor => JSON.parse(row.owner) as StoredActor;
export const timingOf = (row: Pick<ScheduleRow, 'cron' | 'tz' | 'at'>): Timing =>
  row.cron !== null ? {cron: row.cron, tz: row.tz} : {at: Number(row.at), tz: row.tz};

export function describeTiming(row: Pick<ScheduleRow, 'cron' | 'tz' | 'at'>): string {
  return row.cron !== null ? `${row.cron} (${row.tz})` : `at ${iso(row.at)}`;
}

export function scheduleView(row: ScheduleRow): ScheduleView {
  const target = targetOf(row);
  const paused = Boolean(Number(row.paused));
  return {
    name: row.name,
    description: row.description,
    schedule: describeTiming(row),
    cron: row.cron,
    tz: row.tz,
    at: iso(row.at),
    target: describeTarget(target),
    targetKind: target.kind,
    workflow: target.kind === 'workflow' ? target.workflow : null,
    input: target.kind === 'workflow' ? target.input : null,
    command: target.kind === 'command' ? target.command : null,
    missed: row.missed,
    paused,
    state: paused ? 'paused' : row.nextRunAt === null ? 'finished' : 'scheduled',
    owner: row.ownerLabel,
    nextRunAt: iso(row.nextRunAt),
    lastRunAt: iso(row.lastTickAt),
    lastStatus: row.lastStatus,
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
    updatedBy: row.updatedBy,
  };
}

/** A tick row as read raw (with its schedule's name), on either engine. */
export type RawTick = {[K in keyof TickRow]: TickRow[K] | string | number | null} & {schedule: string};

export function tickView(row: RawTick): TickView {
  const started = number(row.startedAt);
  const finished = number(row.finishedAt);
  return {
    schedule: String(row.schedule),
    tickAt: iso(row.tickAt)!,
    manual: Boolean(Number(row.manual)),
    jobId: (row.jobId as string | null) ?? null,
    status: String(row.status),
    startedAt: iso(started),
    finishedAt: iso(finished),
    durationMs: started !== null && finished !== null ? finished - started : null,
    exitCode: number(row.exitCode),
    reference: (row.reference as string | null) ?? null,
    error: (row.error as string | null) ?? null,
    output: (row.output as string | null) ?? null,
    claimedBy: String(row.claimedBy),
    requestedBy: (row.requestedBy as string | null) ?? null,
  };
}

export const SCHEDULE_LIST_FIELDS = [
  'name',
  'state',
  'paused',
  'targetKind',
  'missed',
  'owner',
  'nextRunAt',
  'lastRunAt',
  'lastStatus',
  'createdAt',
  'updatedAt',
] as const;

const millis = (sql: string) => ({sql, kind: 'number' as const});

export const SCHEDULE_LIST: ListPlan = {
  fields: {
    name: 's.name',
    state: "CASE WHEN s.paused = 1 THEN 'paused' WHEN s.nextRunAt IS NULL THEN 'finished' ELSE 'scheduled' END",
    paused: "CASE WHEN s.paused = 1 THEN 'true' ELSE 'false' END",
    targetKind: 's.targetKind',
    missed: 's.missed',
    owner: 's.ownerLabel',
    nextRunAt: millis('s.nextRunAt'),
    lastRunAt: millis('s.lastTickAt'),
    lastStatus: 's.lastStatus',
    createdAt: millis('s.createdAt'),
    updatedAt: millis('s.updatedAt'),
    // Searched only: the pattern, the description and the target's text.
    cron: 's.cron',
    description: 's.description',
    target: 's.target',
  },
  searchable: ['name', 'description', 'cron', 'target', 'owner'],
  order: [['name', 'asc']],
};

export const TICK_LIST_FIELDS = ['schedule', 'tickAt', 'status', 'manual', 'jobId', 'exitCode', 'finishedAt'] as const;

export const TICK_LIST: ListPlan = {
  fields: {
    schedule: 's.name',
    tickAt: millis('t.tickAt'),
    status: 't.status',
    manual: "CASE WHEN t.manual = 1 THEN 'true' ELSE 'false' END",
    jobId: 't.jobId',
    exitCode: millis('t.exitCode'),
    finishedAt: millis('t.finishedAt'),
    error: 't.error',
  },
  searchable: ['schedule', 'status', 'error'],
  // Newest first unless --sort says otherwise.
  order: [
    ['tickAt', 'desc'],
    ['schedule', 'asc'],
  ],
};

/** The raw columns a history page reads (aliases as TickRow names them). */
export const TICK_COLUMNS: ReadonlyArray<keyof TickRow> = [
  'scheduleId',
  'tickAt',
  'manual',
  'jobId',
  'status',
  'claimedBy',
  'requestedBy',
  'startedAt',
  'finishedAt',
  'exitCode',
  'reference',
  'error',
  'output',
];
