import type {HealthStatus} from '@systemprompt/core';
import {checkModulesHealth, type Kernel, type ModuleRecord} from '@systemprompt/core/kernel';

/** Each module's health by name (see checkModulesHealth in core). */
export async function checkHealth(
  kernel: Kernel,
  records: readonly ModuleRecord[],
): Promise<Map<string, HealthStatus>> {
  const results = new Map<string, HealthStatus>();
  for (const {module, ...health} of await checkModulesHealth(kernel, records)) results.set(module, health);
  return results;
}
