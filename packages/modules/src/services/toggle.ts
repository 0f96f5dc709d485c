import {conflict, invalidInput, notFound} from '@systemprompt/core';
import {readModuleState, writeModuleState, type ModuleRecord} from '@systemprompt/core/kernel';
import {dependentsOf} from './catalog.js';

export interface ToggleResult {
  module: string;
  enabled: boolean;
  /** Also disabled (--cascade) or enabled with it. */
  alsoChanged: string[];
}

/** Enables or disables a module in <config>/modules.json; the rules are in the command descriptions. */
export async function setEnabled(
  records: readonly ModuleRecord[],
  configDirectory: string,
  name: string,
  enabled: boolean,
  cascade: boolean,
): Promise<ToggleResult> {
  const record = records.find((candidate) => candidate.name === name);
  if (!record) throw notFound(`No module named "${name}"`, {code: 'MODULE_NOT_FOUND', hint: 'See modules:list.'});
  const state = readModuleState(configDirectory);
  let alsoChanged: string[] = [];
  if (enabled) {
    const missing = (record.manifest?.dependencies ?? []).filter((dependency) => state.disabled.includes(dependency));
    if (missing.length > 0)
      throw conflict(`Module "${name}" depends on disabled modules: ${missing.join(', ')}`, {
        code: 'MODULE_DEPENDENCY_DISABLED',
        hint: `Enable ${missing.join(', ')} first.`,
      });
    state.disabled = state.disabled.filter((disabled) => disabled !== name);
  } else {
    if (record.manifest?.type === 'core')
      throw invalidInput(`Module "${name}" is a core module and cannot be disabled`, {code: 'MODULE_CORE'});
    const dependents = dependentsOf(records, name);
    if (dependents.length > 0 && !cascade) {
      throw conflict(`Module "${name}" is needed by ${dependents.join(', ')}`, {
        code: 'MODULE_HAS_DEPENDENTS',
        details: {dependents},
        hint: 'Disable those first, or pass --cascade to disable them too.',
      });
    }
    alsoChanged = dependents;
    state.disabled.push(name, ...dependents);
  }
  await writeModuleState(configDirectory, state);
  return {module: name, enabled, alsoChanged};
}
