import type {ModuleFailures, ModuleRecord} from '@systemprompt/core/kernel';

export interface ModuleRow {
  name: string;
  version: string;
  type: string;
  source: string;
  enabled: boolean;
  /** broken: cannot be loaded; failed: loads, but initialize() or a migration failed the last time it ran. */
  status: 'ok' | 'broken' | 'failed' | 'disabled';
  health: string;
  dependencies: string[];
  package: string;
  problem: string | null;
}

export function moduleRows(
  records: readonly ModuleRecord[],
  health: ReadonlyMap<string, {healthy: boolean; message?: string}> = new Map(),
  failures: ModuleFailures = {},
): ModuleRow[] {
  return records
    .map((record): ModuleRow => {
      const checked = health.get(record.name);
      // A failure of another version does not describe this one (an upgrade may have fixed it).
      const failure = failures[record.name]?.version === record.version ? failures[record.name] : undefined;
      const failed =
        failure && !checked?.healthy
          ? `${failure.stage === 'migration' ? 'a migration failed' : 'initialize() failed'}: ${failure.message}`
          : undefined;
      return {
        name: record.name,
        version: record.manifest?.version ?? record.version,
        type: record.manifest?.type ?? 'unknown',
        source: record.source,
        enabled: record.enabled,
        status: record.error ? 'broken' : !record.enabled ? 'disabled' : failed ? 'failed' : 'ok',
        health: checked
          ? checked.healthy
            ? 'healthy'
            : `unhealthy${checked.message ? `: ${checked.message}` : ''}`
          : record.error
            ? 'unhealthy'
            : '-',
        dependencies: record.manifest?.dependencies ?? [],
        package: record.packageName,
        problem: record.error?.message ?? failed ?? null,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Enabled modules that need `name`, directly or through others. */
export function dependentsOf(records: readonly ModuleRecord[], name: string): string[] {
  const found = new Set<string>();
  const visit = (target: string) => {
    for (const record of records) {
      if (record.enabled && !found.has(record.name) && record.manifest?.dependencies?.includes(target)) {
        found.add(record.name);
        visit(record.name);
      }
    }
  };
  visit(name);
  return [...found].sort();
}
