/**
 * Error catalogues: every package declares its error codes in one file, `src/error-codes.ts`, with
 * the exit code, a one-line meaning and a hint (as Astro's error reference does), and points
 * `systemprompt.errorCodes` in its package.json at the compiled file. `cli:docs` lists them all and a
 * repository test checks every code thrown against them.
 *
 * This module is its own entry (`@systemprompt/core/error-catalogue`) and imports nothing but the
 * error class, so reading a catalogue never loads oclif or the rest of core.
 */
import {ExitCode, SystemPromptError, invalidInput, type SystemPromptErrorOptions} from './errors.js';

/** One error code as its package declares it. */
export interface ErrorCodeSpec {
  /** The exit code of every error with this code, e.g. `ExitCode.NotFound`. */
  exit: ExitCode;
  /** One line: what happened, without the particulars that the message of each error adds. */
  meaning: string;
  /** What to do about it. */
  hint?: string;
}

/** A declared code: its spec and name, and the error itself. */
export interface ErrorCode<Code extends string = string> extends Readonly<ErrorCodeSpec> {
  readonly code: Code;
  /**
   * The error with this code and exit code, so they cannot disagree with the catalogue. The message
   * defaults to the meaning, the hint to the catalogue's.
   */
  error(message?: string, extra?: Omit<SystemPromptErrorOptions, 'code' | 'exitCode'>): SystemPromptError;
}

export type ErrorCatalogue<Codes extends string = string> = {readonly [Code in Codes]: ErrorCode<Code>};

/** A catalogue entry as data (what `cli:docs` lists). */
export interface ErrorCodeInfo {
  code: string;
  exitCode: ExitCode;
  meaning: string;
  hint?: string;
}

/**
 * A package's catalogue, typed by its codes:
 * `export default defineErrorCodes({USER_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'No user with that id or email.'}})`.
 */
export function defineErrorCodes<const Specs extends Record<string, ErrorCodeSpec>>(
  specs: Specs,
): ErrorCatalogue<Extract<keyof Specs, string>> {
  const catalogue: Record<string, ErrorCode> = {};
  for (const [code, spec] of Object.entries(specs)) {
    const error = (message = spec.meaning, extra: Omit<SystemPromptErrorOptions, 'code' | 'exitCode'> = {}) =>
      new SystemPromptError(message, {...extra, hint: extra.hint ?? spec.hint, code, exitCode: spec.exit});
    catalogue[code] = Object.freeze({...spec, code, error});
  }
  return Object.freeze(catalogue) as ErrorCatalogue<Extract<keyof Specs, string>>;
}

const CODE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;
const FAILURE_EXITS = new Set<number>(Object.values(ExitCode).filter((exit) => exit !== ExitCode.Ok));

/** Why a catalogue entry is unusable, or undefined when it is fine. */
function entryProblem(code: string, entry: unknown): string | undefined {
  if (!CODE.test(code)) return `${code}: not an error code (SCREAMING_SNAKE_CASE)`;
  if (!entry || typeof entry !== 'object') return `${code}: not an object`;
  const {exit, meaning, hint} = entry as Partial<ErrorCodeSpec>;
  if (typeof exit !== 'number' || !FAILURE_EXITS.has(exit))
    return `${code}: exit must be one of ${[...FAILURE_EXITS].join(', ')}`;
  if (typeof meaning !== 'string' || meaning.trim() === '' || meaning.includes('\n'))
    return `${code}: meaning must be one line of text`;
  if (hint !== undefined && typeof hint !== 'string') return `${code}: hint must be text`;
  return undefined;
}

/**
 * The entries of a loaded catalogue module (its default export), sorted by code. A malformed
 * catalogue (a third-party module's, say) is exit 2 naming `source` and every problem.
 */
export function readErrorCatalogue(loaded: unknown, source: string): ErrorCodeInfo[] {
  const catalogue = (loaded as {default?: unknown} | undefined)?.default;
  if (!catalogue || typeof catalogue !== 'object') {
    throw invalidInput(`${source} has no default export of error codes`, {
      code: 'ERROR_CATALOGUE_INVALID',
      hint: 'Export the catalogue: export default defineErrorCodes({...}).',
    });
  }
  const problems = Object.entries(catalogue)
    .map(([code, entry]) => entryProblem(code, entry))
    .filter((problem) => problem !== undefined);
  if (problems.length > 0) {
    throw invalidInput(`${source}: ${problems.join('; ')}`, {code: 'ERROR_CATALOGUE_INVALID', details: {problems}});
  }
  return Object.entries(catalogue as Record<string, ErrorCodeSpec>)
    .map(([code, {exit, meaning, hint}]) => ({code, exitCode: exit, meaning, ...(hint ? {hint} : {})}))
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

export {ExitCode};
