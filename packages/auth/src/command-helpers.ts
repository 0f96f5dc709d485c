import type {ModuleRecord} from '@systemprompt/core/kernel';

/** The permissions the installed modules declare, so a role cannot name one that does not exist. */
export function declaredPermissions(modules: readonly ModuleRecord[]): Set<string> {
  return new Set(modules.flatMap((record) => record.manifest?.permissions ?? []).map((permission) => permission.name));
}

/** Lines of `label  value`, the labels padded to one width. */
export function recordLines(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd()).join('\n');
}
