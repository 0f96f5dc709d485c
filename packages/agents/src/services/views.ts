import type {StepRow, TaskRow} from '../entities.js';
import {FINAL} from './task-store.js';

export interface TaskView {
  id: string;
  agent: string;
  status: string;
  text: string;
  input: unknown;
  output: string | null;
  error: string | null;
  stopReason: string | null;
  requestedBy: string;
  trigger: string | null;
  steps: number;
  tokensIn: number;
  tokensOut: number;
  /** In the currency of the agent's prices; null without prices. */
  cost: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface StepView {
  seq: number;
  kind: string;
  status: string;
  name: string;
  callId: string | null;
  input: unknown;
  output: unknown;
  outcome: string | null;
  error: string | null;
  tokensIn: number;
  tokensOut: number;
  latencyMs: number | null;
  startedAt: string;
  finishedAt: string | null;
}

/** A task with every recorded step. */
export interface TaskDetail extends TaskView {
  log: StepView[];
}

/** One line of agents:logs: a step as it was recorded (or changed), or the task's end. */
export interface LogLine {
  time: string;
  task: string;
  /** The step number; 0 for the task's own lines. */
  seq: number;
  kind: string;
  name: string;
  status: string;
  tokens: string;
  latencyMs: number | null;
  detail: string;
  /** On the last line: the answer or the reason it ended. */
  output?: string | null;
  error?: string | null;
}

const iso = (millis: number | string | null) => (millis === null ? null : new Date(Number(millis)).toISOString());

export function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A value on one line, cut to `width`. */
export function oneLine(value: unknown, width = 100): string {
  const text = typeof value === 'string' ? value : value === null || value === undefined ? '' : JSON.stringify(value);
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

export function taskView(row: TaskRow): TaskView {
  const snapshot = parseJson(row.snapshot) as {limits?: {priceInput?: number}} | null;
  const priced = snapshot?.limits?.priceInput !== undefined;
  return {
    id: row.id,
    agent: row.agent,
    status: row.status,
    text: row.text,
    input: parseJson(row.input),
    output: row.output,
    error: row.error,
    stopReason: row.stopReason,
    requestedBy: row.requestedBy,
    trigger: row.trigger,
    steps: Number(row.steps),
    tokensIn: Number(row.tokensIn),
    tokensOut: Number(row.tokensOut),
    cost: priced ? Number(row.costMicros) / 1e6 : null,
    createdAt: iso(row.createdAt)!,
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
  };
}

export function stepView(row: StepRow): StepView {
  return {
    seq: Number(row.seq),
    kind: row.kind,
    status: row.status,
    name: row.name,
    callId: row.callId,
    input: parseJson(row.input),
    output: parseJson(row.output),
    outcome: row.outcome,
    error: row.error,
    tokensIn: Number(row.tokensIn),
    tokensOut: Number(row.tokensOut),
    latencyMs: row.latencyMs === null ? null : Number(row.latencyMs),
    startedAt: iso(row.startedAt)!,
    finishedAt: iso(row.finishedAt),
  };
}

/** What a step says in one line: the model's text or the tools it asks for; a tool's arguments → result. */
function stepDetail(row: StepRow): string {
  if (row.error) return oneLine(row.error);
  const output = parseJson(row.output);
  if (row.kind === 'model') {
    if (row.status === 'running') return 'waiting for the model';
    const answer = output as {text?: string; toolCalls?: Array<{name: string}>} | null;
    const calls = answer?.toolCalls ?? [];
    return calls.length
      ? `calls ${calls.map((call) => call.name).join(', ')}${answer?.text ? ` — ${oneLine(answer.text, 60)}` : ''}`
      : oneLine(answer?.text ?? '');
  }
  const args = oneLine(parseJson(row.input), 50);
  if (row.status === 'running') return `${args} …`;
  return `${args} → ${oneLine(output, 70)}`;
}

/** The log lines of the steps not yet in `seen` (or changed since), then the task's end when it ended. */
export function logLines(task: TaskRow, steps: readonly StepRow[], seen: Map<string, string>): LogLine[] {
  const lines: LogLine[] = [];
  const state = `${task.status}`;
  if (seen.get('task') !== state && !FINAL.has(task.status)) {
    seen.set('task', state);
    lines.push(taskLine(task));
  }
  for (const step of steps) {
    const key = `${step.status}:${step.outcome ?? ''}`;
    const id = `step:${step.seq}`;
    if (seen.get(id) === key) continue;
    seen.set(id, key);
    lines.push({
      time: iso(step.finishedAt ?? step.startedAt)!,
      task: task.id,
      seq: Number(step.seq),
      kind: step.kind,
      name: step.name,
      status: step.kind === 'tool' && step.outcome ? step.outcome : step.status,
      tokens: step.kind === 'model' && step.status !== 'running' ? `${step.tokensIn}/${step.tokensOut}` : '',
      latencyMs: step.latencyMs === null ? null : Number(step.latencyMs),
      detail: stepDetail(step),
    });
  }
  if (FINAL.has(task.status) && seen.get('task') !== state) {
    seen.set('task', state);
    lines.push({...taskLine(task), output: task.output, error: task.error});
  }
  return lines;
}

function taskLine(task: TaskRow): LogLine {
  const final = FINAL.has(task.status);
  return {
    time: iso(task.finishedAt ?? task.updatedAt)!,
    task: task.id,
    seq: 0,
    kind: 'task',
    name: task.agent,
    status: task.status,
    tokens: final ? `${task.tokensIn}/${task.tokensOut}` : '',
    latencyMs: final && task.startedAt && task.finishedAt ? Number(task.finishedAt) - Number(task.startedAt) : null,
    detail: final
      ? oneLine(task.error ?? task.output ?? '')
      : task.status === 'pending'
        ? 'waiting for the agent to be started (agents:start)'
        : oneLine(task.text),
  };
}
