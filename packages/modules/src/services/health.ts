import type {HealthStatus} from '@systemprompt/core';
import type {Kernel, ModuleRecord} from '@systemprompt/core/kernel';

/** Boots each module (errors become unhealthy results) and runs its health check. */
export async function checkHealth(
  kernel: Kernel,
  records: readonly ModuleRecord[],
): Promise<Map<string, HealthStatus>> {
  const results = new Map<string, HealthStatus>();
  for (const record of records) {
    if (record.error) {
      results.set(record.name, {healthy: false, message: record.error.message});
      continue;
    }
    if (!record.enabled) {
      results.set(record.name, {healthy: false, message: 'disabled'});
      continue;
    }
    try {
      await kernel.boot([record.name]);
      const [health] = await kernel.health([record.name]);
      results.set(record.name, {healthy: health!.healthy, ...(health!.message ? {message: health!.message} : {})});
    } catch (error) {
      results.set(record.name, {healthy: false, message: error instanceof Error ? error.message : String(error)});
    }
  }
  return results;
}
