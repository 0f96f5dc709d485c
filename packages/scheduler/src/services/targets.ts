import {conflict, invalidInput, splitCommandLine, unavailable, type Actor} from '@systemprompt/core';

/**
 * What runs the ticks of one kind of target that another module owns (the workflows module, which
 * depends on the scheduler, registers the `workflow` kind). Both methods act as `actor` and check its
 * permissions themselves.
 */
export interface ScheduleTarget {
  /** Refuses (exit 2, 3 or 4) a target that could not start: an unknown workflow, input it rejects. */
  validate(name: string, input: unknown, actor: Actor): Promise<void>;
  /**
   * Starts it for one tick and returns what was started (a run id). A tick may be handed to `start`
   * again after a crash: the same (schedule, tickAt) must start it once (use it as the run's unique key).
   */
  start(
    name: string,
    input: unknown,
    actor: Actor,
    tick: {schedule: string; tickAt: string},
  ): Promise<{reference: string}>;
}

export type TargetKind = 'workflow' | 'command';

/** A schedule's target as stored (JSON in scheduler_schedules.target). */
export type StoredTarget =
  {kind: 'workflow'; workflow: string; input: unknown} | {kind: 'command'; command: string; argv: string[]};

const MAX_COMMAND = 2000;
const MAX_INPUT_BYTES = 16_000;
const WORKFLOW_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

/** The runners other modules registered in this process, by kind. */
export class TargetRegistry {
  private readonly targets = new Map<string, ScheduleTarget>();

  register(kind: 'workflow', target: ScheduleTarget): void {
    if (this.targets.has(kind))
      throw conflict(`A runner of ${kind} targets is already registered`, {
        code: 'SCHEDULE_TARGET_TAKEN',
        details: {kind},
      });
    this.targets.set(kind, target);
  }

  /** The runner of `kind`; exit 6 when no module registered one in this process. */
  require(kind: 'workflow'): ScheduleTarget {
    const target = this.targets.get(kind);
    if (!target)
      throw unavailable(`Cannot run a ${kind} target: the workflows module is not installed or not booted`, {
        code: 'SCHEDULE_TARGET_UNAVAILABLE',
        details: {kind},
        hint: 'Install and enable the workflows module (see modules:list), or give the schedule a --command.',
      });
    return target;
  }
}

/** What a create or update gives as the target: one of a workflow (with its input) and a command line. */
export interface TargetInput {
  workflow?: string | undefined;
  input?: unknown;
  command?: string | undefined;
}

/**
 * The target, checked: exactly one kind; a command line split as a shell splits words (no shell
 * runs it); a workflow validated by its runner as `actor` (exit 6 when there is none).
 */
export async function checkTarget(input: TargetInput, registry: TargetRegistry, actor: Actor): Promise<StoredTarget> {
  const hasWorkflow = input.workflow !== undefined;
  const hasCommand = input.command !== undefined;
  if (hasWorkflow === hasCommand)
    throw invalidInput(
      hasWorkflow
        ? 'Give either --workflow or --command, not both'
        : 'Give a target: --workflow NAME or --command "..."',
      {
        code: 'SCHEDULE_TARGET_INVALID',
      },
    );
  if (hasCommand) {
    if (input.input !== undefined)
      throw invalidInput('--input goes with --workflow; a command takes its arguments in its command line', {
        code: 'SCHEDULE_TARGET_INVALID',
      });
    const command = String(input.command).trim();
    if (command.length > MAX_COMMAND)
      throw invalidInput(`The command line is longer than ${MAX_COMMAND} characters`, {
        code: 'SCHEDULE_TARGET_INVALID',
      });
    const argv = splitCommandLine(command);
    if (argv.length === 0)
      throw invalidInput('The command line is empty', {
        code: 'SCHEDULE_TARGET_INVALID',
        hint: 'Give a command of this CLI with its arguments, e.g. --command "users:list --json".',
      });
    return {kind: 'command', command, argv};
  }
  const workflow = String(input.workflow).trim();
  if (!WORKFLOW_NAME.test(workflow))
    throw invalidInput(`${JSON.stringify(workflow.slice(0, 100))} is not a workflow name`, {
      code: 'SCHEDULE_TARGET_INVALID',
    });
  const text = JSON.stringify(input.input ?? null);
  if (Buffer.byteLength(text) > MAX_INPUT_BYTES)
    throw invalidInput(`The workflow input is larger than ${MAX_INPUT_BYTES} bytes`, {code: 'SCHEDULE_TARGET_INVALID'});
  const value: unknown = JSON.parse(text);
  await registry.require('workflow').validate(workflow, value, actor);
  return {kind: 'workflow', workflow, input: value};
}

/** --input's text as JSON (exit 2 when it is not). */
export function parseInput(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalidInput(`--input is not JSON: ${error instanceof Error ? error.message : String(error)}`, {
      code: 'SCHEDULE_TARGET_INVALID',
      hint: `e.g. --input '{"days": 7}'`,
    });
  }
}

/** The target in one line, for tables. */
export function describeTarget(target: StoredTarget): string {
  return target.kind === 'command' ? `command: ${target.command}` : `workflow: ${target.workflow}`;
}
