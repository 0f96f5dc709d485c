import {join} from 'node:path';
import {notFound} from '@systemprompt/core';
import {bootOrder, type ModuleRecord} from '@systemprompt/core/kernel';
import type {MigrationSource} from '../migrations/loader.js';

/** The migration directory a module declares in module.yaml, resolved against its package root. */
export const migrationSourceOf = (module: {
  name: string;
  root: string;
  manifest?: {migrations?: string} | undefined;
}): MigrationSource => ({
  module: module.name,
  directory: module.manifest?.migrations ? join(module.root, module.manifest.migrations) : undefined,
});

/**
 * The migration sources of the installed modules that load, dependencies first; with `only`, that
 * module and what it depends on (an unknown name is exit 3).
 */
export function migrationSources(records: readonly ModuleRecord[], only?: string): MigrationSource[] {
  const loadable = records.filter((record) => !record.error);
  if (only && !loadable.some((record) => record.name === only)) {
    throw notFound(`No module named "${only}"`, {
      code: 'MODULE_NOT_FOUND',
      hint: `Installed: ${loadable
        .map((record) => record.name)
        .sort()
        .join(', ')}.`,
    });
  }
  return bootOrder(loadable, only ? [only] : loadable.map((record) => record.name)).map(migrationSourceOf);
}

/**
 * Whether one installed module depends on another, directly or through others, as the boot order
 * resolves dependencies (`provides` included); a disabled module's tables still reference what it
 * depends on, so it counts as enabled here. A module whose dependencies cannot be resolved (one is
 * missing, or a cycle) has none here: it never booted, so it never migrated through them.
 */
export function dependencyRelation(records: readonly ModuleRecord[]): (module: string, dependency: string) => boolean {
  const loadable = records.filter((record) => !record.error).map((record) => ({...record, enabled: true}));
  const dependencies = new Map<string, Set<string>>();
  return (module, dependency) => {
    let known = dependencies.get(module);
    if (!known) {
      try {
        known = new Set(
          bootOrder(loadable, [module])
            .map((record) => record.name)
            .filter((name) => name !== module),
        );
      } catch {
        known = new Set();
      }
      dependencies.set(module, known);
    }
    return known.has(dependency);
  };
}
