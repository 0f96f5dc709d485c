import {pathToFileURL} from 'node:url';
import {unavailable} from '../errors.js';
import type {ModuleInterface} from '../module.js';
import type {ModuleRecord} from './discovery.js';

const LIFECYCLE = ['initialize', 'start', 'stop', 'healthCheck'] as const;
const TYPES = new Set(['service', 'daemon', 'plugin', 'core', 'extension']);

/** Every way in which `candidate` breaks the module contract; empty when it holds. */
export function contractProblems(candidate: unknown, expectedName?: string): string[] {
  if (typeof candidate !== 'object' || candidate === null) return ['the factory did not return an object'];
  const module = candidate as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof module.name !== 'string') problems.push('name must be a string');
  else if (expectedName !== undefined && module.name !== expectedName)
    problems.push(`name is "${module.name}" but module.yaml says "${expectedName}"`);
  if (typeof module.version !== 'string') problems.push('version must be a string');
  if (typeof module.type !== 'string' || !TYPES.has(module.type))
    problems.push(`type must be one of ${[...TYPES].join(', ')}`);
  for (const method of LIFECYCLE) if (typeof module[method] !== 'function') problems.push(`${method}() is missing`);
  return problems;
}

/** Imports a module package's runtime entry and checks what its default export builds. */
export async function instantiateModule(record: ModuleRecord): Promise<ModuleInterface> {
  const fail = (reason: string) =>
    unavailable(`Module "${record.name}" (${record.packageName}) does not implement the module contract: ${reason}`, {
      code: 'MODULE_CONTRACT',
      details: {module: record.name, package: record.packageName},
    });
  if (!record.entry) throw fail('no runtime entry');
  let exported: unknown;
  try {
    exported = ((await import(pathToFileURL(record.entry).href)) as {default?: unknown}).default;
  } catch (error) {
    throw unavailable(
      `Module "${record.name}" could not be imported from ${record.entry}: ${error instanceof Error ? error.message : String(error)}`,
      {
        code: 'MODULE_IMPORT_FAILED',
        details: {module: record.name, entry: record.entry},
        cause: error,
      },
    );
  }
  const candidate = typeof exported === 'function' ? await (exported as () => unknown)() : exported;
  const problems = contractProblems(candidate, record.name);
  if (problems.length > 0) throw fail(problems.join('; '));
  return candidate as ModuleInterface;
}
