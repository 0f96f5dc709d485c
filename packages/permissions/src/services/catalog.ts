import type {ModuleRecord} from '@systemprompt/core/kernel';

export interface DeclaredPermission {
  name: string;
  module: string;
  description: string;
}

/** Every permission that an installed, loadable module declares in its module.yaml. */
export function declaredPermissions(records: readonly ModuleRecord[]): DeclaredPermission[] {
  return records
    .filter((record) => !record.error)
    .flatMap((record) => (record.manifest?.permissions ?? []).map((permission) => ({name: permission.name, module: record.name, description: permission.description})))
    .sort((a, b) => a.name.localeCompare(b.name));
}
