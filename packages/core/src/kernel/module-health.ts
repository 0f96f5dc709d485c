import type {ModuleRecord} from './discovery.js';
import type {Kernel, ModuleHealth} from './kernel.js';

/**
 * The health of each module: booted with its dependencies (daemons not started) and asked; a module
 * that cannot load or initialize is unhealthy with the reason, a disabled one is reported as such.
 */
export async function checkModulesHealth(kernel: Kernel, records: readonly ModuleRecord[]): Promise<ModuleHealth[]> {
  const results: ModuleHealth[] = [];
  for (const record of records) {
    if (record.error) {
      results.push({module: record.name, healthy: false, message: record.error.message});
      continue;
    }
    if (!record.enabled) {
      results.push({module: record.name, healthy: false, message: 'disabled'});
      continue;
    }
    try {
      await kernel.boot([record.name]);
      const [health] = await kernel.health([record.name]);
      results.push({
        module: record.name,
        healthy: health!.healthy,
        ...(health!.message ? {message: health!.message} : {}),
      });
    } catch (error) {
      results.push({
        module: record.name,
        healthy: false,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return results;
}
