import {ExitCode, SystemPromptError} from '@systemprompt/core';

/** What a handler gets for one attempt of one job. */
export interface JobContext<P = unknown> {
  id: string;
  queue: string;
  payload: P;
  /** This attempt's number, from 1. */
  attempt: number;
  maxAttempts: number;
  /** Who enqueued the job (an actor label), when a person or key did. */
  createdBy: string | null;
  idempotencyKey: string | null;
  /**
   * Aborted when the server shuts down (the job is handed back and runs again elsewhere), when the
   * attempt passes its queue's timeout, or when the lease was lost: stop, and change nothing more.
   */
  signal: AbortSignal;
  /** Keeps the job leased for `ms` more from now (the pool renews every lease it holds anyway; this is for a long step). */
  extendLease(ms?: number): Promise<void>;
}

/**
 * Runs one attempt of a job. What it returns (JSON-serialisable) is stored as the job's result. A
 * thrown error fails the attempt: it is retried with backoff while attempts remain, unless the error
 * says retrying cannot help (see isRetryable).
 */
export type JobHandler<P = unknown, R = unknown> = (job: JobContext<P>) => Promise<R> | R;

/** How the jobs of one queue run. */
export interface QueueOptions {
  /** Jobs of this queue a process runs at once (default: the module's `concurrency`). */
  concurrency?: number;
  /** Attempts of a job enqueued without its own `maxAttempts` (default 5). */
  maxAttempts?: number;
  /** An attempt running longer is aborted and failed (default: none). */
  timeoutMs?: number;
  /** Delay before attempt n+1 is base × 2^(n-1), capped, with full jitter (defaults 1 s and 10 min). */
  backoff?: {baseMs?: number; maxMs?: number};
}

export interface RegisteredQueue {
  name: string;
  handler: JobHandler;
  options: QueueOptions;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_BACKOFF_BASE_MS = 1000;
const DEFAULT_BACKOFF_MAX_MS = 10 * 60 * 1000;

/**
 * When attempt `attempt` (from 1) failed, the delay before the next: exponential, capped, with "full
 * jitter" (a random delay between half and all of it) so that jobs that failed together do not all
 * come back at the same instant.
 */
export function backoffDelay(
  attempt: number,
  backoff: QueueOptions['backoff'] = {},
  random: () => number = Math.random,
): number {
  const base = backoff.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const cap = backoff.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** An error a handler throws to fail the job at once, with no retry (bad input, a permission the actor lacks). */
export class PermanentJobError extends Error {
  readonly retryable = false;
}

/**
 * Whether another attempt could succeed: not after a PermanentJobError, nor after a SystemPromptError
 * of bad input, something not found or a permission denied (the same attempt would fail the same way).
 */
export function isRetryable(error: unknown): boolean {
  if ((error as {retryable?: unknown} | null)?.retryable === false) return false;
  if (error instanceof SystemPromptError || (error as {exitCode?: unknown} | null)?.exitCode !== undefined) {
    const exit = (error as {exitCode: number}).exitCode;
    return exit !== ExitCode.InvalidInput && exit !== ExitCode.NotFound && exit !== ExitCode.PermissionDenied;
  }
  return true;
}

/** An error's message for the job's last_error (one line first, the code when there is one), kept short. */
export function describeError(error: unknown): string {
  const code = (error as {code?: unknown} | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const text = typeof code === 'string' && /^[A-Z_]+$/.test(code) ? `${code}: ${message}` : message;
  return text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
}
