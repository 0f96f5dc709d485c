import type {RunRow, StepRow} from '../entities.js';
import {parseJson} from './run-store.js';

const iso = (millis: number | null): string | null => (millis === null ? null : new Date(millis).toISOString());

/** A run as people and the JSON output see it. */
export interface RunView {
  id: string;
  workflow: string;
  version: number;
  status: string;
  /** The label of the user it acts as. */
  actor: string;
  trigger: string | null;
  parentRunId: string | null;
  input: unknown;
  output: unknown;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** One stored step result. */
export interface StepView {
  /** Where the step ran: its id, below the foreach items it is in (`each[2].save`). */
  path: string;
  step: string;
  type: string;
  status: string;
  attempts: number;
  output: unknown;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface RunDetail extends RunView {
  steps: StepView[];
}

export function runView(row: RunRow): RunView {
  return {
    id: row.id,
    workflow: row.workflow,
    version: row.version,
    status: row.status,
    actor: row.actorLabel,
    trigger: row.trigger,
    parentRunId: row.parentRunId,
    input: parseJson(row.input),
    output: parseJson(row.output),
    error: row.error,
    createdAt: iso(row.createdAt)!,
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
  };
}

export function stepView(row: StepRow): StepView {
  return {
    path: row.path,
    step: row.stepId,
    type: row.type,
    status: row.status,
    attempts: row.attempts,
    output: parseJson(row.output),
    error: row.error,
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
  };
}

/** Step results in the order they started (paths break ties, so foreach items come in index order). */
export function inRunOrder(rows: readonly StepRow[]): StepRow[] {
  return [...rows].sort(
    (a, b) =>
      (a.startedAt ?? a.updatedAt) - (b.startedAt ?? b.updatedAt) ||
      a.path.localeCompare(b.path, 'en', {numeric: true}),
  );
}

/** One line of a run being followed (workflows:execute --wait). */
export interface ProgressLine {
  time: string;
  run: string;
  /** The step's path, or `(run)` for the run itself. */
  step: string;
  status: string;
  attempts: number | null;
  /** A short summary: the error, or the beginning of the output. */
  detail: string;
  /** On the run's last line: its output and error. */
  output?: unknown;
  error?: string | null;
}

/** A value as one short line. */
export function summary(value: unknown, length = 100): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const line = text.replace(/\s*\n\s*/g, ' ');
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}
