import {invalidInput} from '../errors.js';

/** `SYSTEMPROMPT_<MODULE>_<KEY>`: module and key in upper snake case (`logger.consoleLevel` → `SYSTEMPROMPT_LOGGER_CONSOLE_LEVEL`). */
export const envVariableFor = (moduleName: string, key: string): string =>
  `SYSTEMPROMPT_${moduleName}_${key}`
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();

interface PropertySchema {
  type?: string | string[];
}

function typed(variable: string, raw: string, schema: PropertySchema): unknown {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('integer') || types.includes('number')) {
    const value = Number(raw);
    if (raw.trim() === '' || Number.isNaN(value))
      throw invalidInput(`${variable}=${raw} is not a number`, {code: 'CONFIG_ENV_INVALID', details: {variable}});
    return value;
  }
  if (types.includes('boolean')) {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw invalidInput(`${variable}=${raw} is not a boolean (true/false)`, {
      code: 'CONFIG_ENV_INVALID',
      details: {variable},
    });
  }
  if (types.includes('object') || types.includes('array')) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw invalidInput(`${variable} must be JSON`, {code: 'CONFIG_ENV_INVALID', details: {variable}});
    }
  }
  return raw;
}

/** The environment layer of a module's configuration: one variable per top-level property of its schema. */
export function configFromEnv(
  moduleName: string,
  schema: Record<string, unknown> | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, unknown> {
  const properties = (schema?.properties ?? {}) as Record<string, PropertySchema>;
  const values: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(properties)) {
    const variable = envVariableFor(moduleName, key);
    const raw = env[variable];
    if (raw !== undefined) values[key] = typed(variable, raw, property);
  }
  return values;
}
