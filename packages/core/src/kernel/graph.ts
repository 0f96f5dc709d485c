import {unavailable} from '../errors.js';
import type {ModuleRecord} from './discovery.js';

/** Capabilities whose providers every module implicitly depends on. */
const IMPLICIT_CAPABILITIES = new Set(['logger']);

export function implicitDependencies(records: Iterable<ModuleRecord>): string[] {
  const names: string[] = [];
  for (const record of records) {
    if (
      !record.error &&
      record.enabled &&
      record.manifest?.provides?.some((capability) => IMPLICIT_CAPABILITIES.has(capability))
    )
      names.push(record.name);
  }
  return names;
}

/**
 * The modules to boot for `wanted`, dependencies first (a topological order). A missing or broken
 * dependency, or a cycle, is an error that names the modules involved.
 */
export function bootOrder(records: ModuleRecord[], wanted: Iterable<string>): ModuleRecord[] {
  // The first record of a name wins, as in discovery (a later package reusing the name is the broken one).
  const byName = new Map<string, ModuleRecord>();
  for (const record of records) if (!byName.has(record.name)) byName.set(record.name, record);
  const implicit = implicitDependencies(records);
  const order: ModuleRecord[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];

  const visit = (name: string, requiredBy: string | undefined): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw unavailable(`Dependency cycle between modules: ${cycle.join(' -> ')}`, {
        code: 'MODULE_DEPENDENCY_CYCLE',
        details: {cycle},
        hint: 'Remove one of these dependencies from its module.yaml.',
      });
    }
    const record = byName.get(name);
    if (!record) {
      throw requiredBy
        ? unavailable(`Module "${requiredBy}" depends on "${name}", which is not installed`, {
            code: 'MODULE_DEPENDENCY_MISSING',
            details: {module: requiredBy, dependency: name},
            hint: `Install the module that provides "${name}", or remove it from ${requiredBy}'s module.yaml.`,
          })
        : unavailable(`Module "${name}" is not installed`, {code: 'MODULE_NOT_INSTALLED', details: {module: name}});
    }
    if (!record.enabled) {
      throw unavailable(
        requiredBy ? `Module "${requiredBy}" depends on "${name}", which is disabled` : `Module "${name}" is disabled`,
        {
          code: 'MODULE_DISABLED',
          details: {module: name, ...(requiredBy ? {requiredBy} : {})},
          hint: `Enable it with "systemprompt modules:enable ${name}".`,
        },
      );
    }
    if (record.error) {
      if (!requiredBy) throw record.error;
      throw unavailable(
        `Module "${requiredBy}" depends on "${name}", which cannot be loaded: ${record.error.message}`,
        {
          code: 'MODULE_DEPENDENCY_BROKEN',
          details: {module: requiredBy, dependency: name},
          ...(record.error.hint ? {hint: record.error.hint} : {}),
        },
      );
    }
    state.set(name, 'visiting');
    path.push(name);
    const isProvider = implicit.includes(name);
    for (const dependency of [...(isProvider ? [] : implicit), ...(record.manifest?.dependencies ?? [])])
      visit(dependency, name);
    path.pop();
    state.set(name, 'done');
    order.push(record);
  };

  for (const name of wanted) visit(name, undefined);
  return order;
}
