import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {writeFileAtomic} from '../fs-atomic.js';

/** Which modules the operator turned off (`modules:disable`), kept in `<config>/modules.json`. */
export interface ModuleToggles {
  disabled: string[];
}

export const MODULE_STATE_FILE = 'modules.json';

export function readModuleState(configDirectory: string): ModuleToggles {
  try {
    const state = JSON.parse(readFileSync(join(configDirectory, MODULE_STATE_FILE), 'utf8')) as Partial<ModuleToggles>;
    return {disabled: Array.isArray(state.disabled) ? state.disabled.filter((name) => typeof name === 'string') : []};
  } catch {
    return {disabled: []};
  }
}

export async function writeModuleState(configDirectory: string, state: ModuleToggles): Promise<void> {
  await writeFileAtomic(join(configDirectory, MODULE_STATE_FILE), `${JSON.stringify({disabled: [...new Set(state.disabled)].sort()}, null, 2)}\n`);
}
