import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {writeFileAtomic} from '../fs-atomic.js';

/** Why a module that loads did not work the last time it was tried: its initialize() threw, or a migration failed. */
export interface ModuleFailure {
  stage: 'initialize' | 'migration';
  message: string;
  /** The module version that failed (an upgrade that fixes it starts clean). */
  version: string;
  at: string;
}

export type ModuleFailures = Record<string, ModuleFailure>;

/** Kept in the data directory: it is what happened on this installation, not a setting. */
export const MODULE_FAILURES_FILE = 'module-failures.json';

/** The recorded failures; a missing or unreadable file is "none" (it is a status, rewritten on the next try). */
export function readModuleFailures(dataDirectory: string): ModuleFailures {
  try {
    const parsed = JSON.parse(readFileSync(join(dataDirectory, MODULE_FAILURES_FILE), 'utf8')) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as ModuleFailures) : {};
  } catch {
    return {};
  }
}

/**
 * Records (`failure`) or clears (`null`) the failure of one module. Best effort: a status file that
 * cannot be written must not turn a working command into a failing one.
 */
export async function setModuleFailure(
  dataDirectory: string,
  module: string,
  failure: ModuleFailure | null,
): Promise<void> {
  const failures = readModuleFailures(dataDirectory);
  if (failure === null && !(module in failures)) return;
  if (failure === null) delete failures[module];
  else failures[module] = failure;
  try {
    await writeFileAtomic(join(dataDirectory, MODULE_FAILURES_FILE), `${JSON.stringify(failures, null, 2)}\n`, {
      mode: 0o600,
    });
  } catch {
    // The next command that boots the module tries again.
  }
}
