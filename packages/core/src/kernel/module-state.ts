import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {writeFileAtomic} from '../fs-atomic.js';

/** Which modules the operator turned off (`modules:disable`), kept in `<config>/modules.json`. */
export interface ModuleToggles {
  disabled: string[];
}

export const MODULE_STATE_FILE = 'modules.json';

/**
 * The modules the operator disabled. A file that cannot be read or parsed is not taken for "nothing
 * disabled" in silence: `problem` says what is wrong with it, for the caller to warn about.
 */
export function readModuleState(configDirectory: string): ModuleToggles & {problem?: string} {
  const file = join(configDirectory, MODULE_STATE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {disabled: []};
    return {
      disabled: [],
      problem: `${file} cannot be read (${(error as Error).message}); no module is taken as disabled until it is fixed`,
    };
  }
  try {
    const state = JSON.parse(text) as Partial<ModuleToggles> | null;
    if (state === null || typeof state !== 'object' || (state.disabled !== undefined && !Array.isArray(state.disabled)))
      throw new Error('expected {"disabled": [module names]}');
    return {disabled: (state.disabled ?? []).filter((name) => typeof name === 'string')};
  } catch (error) {
    return {
      disabled: [],
      problem: `${file} is not valid (${(error as Error).message}); no module is taken as disabled until it is fixed (modules:disable rewrites it)`,
    };
  }
}

export async function writeModuleState(configDirectory: string, state: ModuleToggles): Promise<void> {
  await writeFileAtomic(
    join(configDirectory, MODULE_STATE_FILE),
    `${JSON.stringify({disabled: [...new Set(state.disabled)].sort()}, null, 2)}\n`,
  );
}
