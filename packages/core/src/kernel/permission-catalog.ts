import type {ModuleRecord} from './discovery.js';

export interface DeclaredPermission {
  name: string;
  module: string;
  description: string;
}

/** Every permission that an installed module which loads declares in its module.yaml, by name. */
export function declaredPermissions(records: readonly ModuleRecord[]): DeclaredPermission[] {
  return records
    .filter((record) => !record.error)
    .flatMap((record) =>
      (record.manifest?.permissions ?? []).map((permission) => ({
        name: permission.name,
        module: record.name,
        description: permission.description,
      })),
    )
    .sort((a, b) => a.name.localeCompare(b.name));
}
