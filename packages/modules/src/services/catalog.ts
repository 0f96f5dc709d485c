import type {ModuleRecord} from '@systemprompt/core/kernel';

export interface ModuleRow {
  name: string;
  version: string;
  type: string;
  source: string;
  enabled: boolean;
  status: 'ok' | 'broken' | 'disabled';
  health: string;
  dependencies: string[];
  package: string;
  problem: string | null;
}

export function moduleRows(records: readonly ModuleRecord[], health: ReadonlyMap<string, {healthy: boolean; message?: string}> = new Map()): ModuleRow[] {
  return records.map((record): ModuleRow => {
    const checked = health.get(record.name);
    return {
      name: record.name,
      version: record.manifest?.version ?? record.version,
      type: record.manifest?.type ?? 'unknown',
      source: record.source,
      enabled: record.enabled,
      status: record.error ? 'broken' : record.enabled ? 'ok' : 'disabled',
      health: checked ? (checked.healthy ? 'healthy' : `unhealthy${checked.message ? `: ${checked.message}` : ''}`) : record.error ? 'unhealthy' : '-',
      dependencies: record.manifest?.dependencies ?? [],
      package: record.packageName,
      problem: record.error?.message ?? null,
    };
  }).sort((a, b) => a.name.localeCompare(b.name));
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
