import {join} from 'node:path';
import {notFound} from '@systemprompt/core';
import {bootOrder, type ModuleRecord} from '@systemprompt/core/kernel';
import type {MigrationSource} from '../migrations/loader.js';

/** The migration directory a module declares in module.yaml, resolved against its package root. */
export const migrationSourceOf = (module: {name: string; root: string; manifest?: {migrations?: string} | undefined}): MigrationSource => ({
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
    throw notFound(`No module named "${only}"`, {code: 'MODULE_NOT_FOUND', hint: `Installed: ${loadable.map((record) => record.name).sort().join(', ')}.`});
  }
  return bootOrder(loadable, only ? [only] : loadable.map((record) => record.name)).map(migrationSourceOf);
}
