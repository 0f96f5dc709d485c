/**
 * The one error vocabulary of SystemPrompt OS. Services throw these; only the command layer turns
 * them into a process exit code. Every code is declared, with its exit code, meaning and hint, in
 * its package's error catalogue (src/error-codes.ts, see error-catalogue.ts).
 */

/** Process exit codes, defined once for every command. */
export const ExitCode = {
  Ok: 0,
  Unexpected: 1,
  InvalidInput: 2,
  NotFound: 3,
  PermissionDenied: 4,
  Conflict: 5,
  Unavailable: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface SystemPromptErrorOptions {
  /** Permanent, machine-readable code such as `USER_NOT_FOUND`, declared in its package's src/error-codes.ts. */
  code: string;
  exitCode: ExitCode;
  /** What to do about it, shown on the line after the message. */
  hint?: string;
  /** Structured data for `--json` consumers (never secrets). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class SystemPromptError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(message: string, options: SystemPromptErrorOptions) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.name = 'SystemPromptError';
    this.code = options.code;
    this.exitCode = options.exitCode;
    this.hint = options.hint;
    this.details = options.details;
  }
}

type Extra = Omit<SystemPromptErrorOptions, 'exitCode' | 'code'> & {code?: string};

const make =
  (exitCode: ExitCode, defaultCode: string) =>
  (message: string, extra: Extra = {}) =>
    new SystemPromptError(message, {...extra, code: extra.code ?? defaultCode, exitCode});

/** Bad usage or invalid input (exit 2). */
export const invalidInput = make(ExitCode.InvalidInput, 'INVALID_INPUT');
/** The named thing does not exist (exit 3). */
export const notFound = make(ExitCode.NotFound, 'NOT_FOUND');
/** Not allowed, or not signed in (exit 4). */
export const permissionDenied = make(ExitCode.PermissionDenied, 'PERMISSION_DENIED');
/** Already exists, or busy (exit 5). */
export const conflict = make(ExitCode.Conflict, 'CONFLICT');
/** A dependency such as the database or the server cannot be reached (exit 6). */
export const unavailable = make(ExitCode.Unavailable, 'UNAVAILABLE');

/**
 * The factories by name. The repository test that checks every error code against its package's
 * catalogue (src/error-codes.ts) reads the exit code of a call such as `notFound(...)` from here.
 */
export const errorFactories = {invalidInput, notFound, permissionDenied, conflict, unavailable} as const;

export function isSystemPromptError(error: unknown): error is SystemPromptError {
  return (
    error instanceof SystemPromptError ||
    // A third-party module may bundle another copy of core; recognise the shape too.
    (error instanceof Error &&
      typeof (error as Partial<SystemPromptError>).code === 'string' &&
      typeof (error as Partial<SystemPromptError>).exitCode === 'number')
  );
}

/** Anything thrown, as a SystemPromptError; unknown errors become exit 1 with their message kept. */
export function toSystemPromptError(error: unknown): SystemPromptError {
  if (isSystemPromptError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SystemPromptError(message || 'Unexpected error', {
    code: 'UNEXPECTED',
    exitCode: ExitCode.Unexpected,
    cause: error,
  });
}
