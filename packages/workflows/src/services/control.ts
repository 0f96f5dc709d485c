import {type SystemPromptError, invalidInput, toSystemPromptError, unavailable} from '@systemprompt/core';
import {ExpressionError} from './expressions.js';

/**
 * How a walk through the steps stops short of its end. These never leave the module: a Suspend ends
 * the job with the run waiting, a StepFailure ends the run failed, a RunCancelled ends it quietly.
 */

/** A delay (here or in a sub-run) is not over: the run waits until `until` without holding a worker. */
export class Suspend extends Error {
  constructor(readonly until: number) {
    super(`waiting until ${new Date(until).toISOString()}`);
  }
}

/** A step failed for good (its retries spent); `path` is the innermost step that failed. */
export class StepFailure extends Error {
  constructor(
    readonly path: string,
    readonly failure: SystemPromptError,
  ) {
    super(failure.message);
  }
}

/** The run was cancelled (or retried elsewhere meanwhile): stop, and record nothing more of it. */
export class RunCancelled extends Error {
  constructor() {
    super('The run was cancelled.');
  }
}

/** A failure as stored: `CODE: message` (the code is left out when it says nothing). */
export function failureText(error: SystemPromptError): string {
  const text = error.code === 'UNEXPECTED' ? error.message : `${error.code}: ${error.message}`;
  return text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
}

/** What an expression that would not evaluate fails its step with. */
export function expressionFailure(error: unknown, where: string): SystemPromptError {
  if (!(error instanceof ExpressionError)) return toSystemPromptError(error);
  const at = error.position === undefined ? '' : ` (at character ${error.position})`;
  return invalidInput(`${where}: ${JSON.stringify(error.expression)} failed${at}: ${error.message}`, {
    code: 'STEP_EXPRESSION',
  });
}

export function timeoutFailure(path: string, ms: number): SystemPromptError {
  return unavailable(`The step ${path} took longer than its ${ms} ms timeout`, {
    code: 'STEP_TIMEOUT',
    details: {step: path, timeoutMs: ms},
  });
}

/** `promise`, or the abort reason of `signal` as soon as it aborts (the work itself may go on, unheeded). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', abort, {once: true});
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

/** Waits `ms`; rejects with the abort reason when `signal` aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  // Listeners go on a signal of its own: many steps waiting at once on their container's signal
  // would otherwise pile listeners on it (and Node warns of a leak past ten).
  const own = AbortSignal.any([signal]);
  return untilAborted(
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      own.addEventListener('abort', () => clearTimeout(timer), {once: true});
    }),
    own,
  );
}
