import {invalidInput} from '../errors.js';
import {formatSchemaErrors} from './schema-errors.js';

/**
 * Validates a module's configuration against the JSON Schema of its manifest, filling in the
 * schema's defaults. ajv is imported only for modules that have a config schema.
 */
export async function validateModuleConfig(
  moduleName: string,
  schema: Record<string, unknown> | undefined,
  values: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  if (!schema) return {...values};
  const {createAjv} = await import('./ajv.js');
  const validate = createAjv({useDefaults: true}).compile(schema);
  const config = structuredClone(values);
  if (validate(config)) return config;
  const problems = formatSchemaErrors(validate.errors);
  throw invalidInput(`Configuration of module "${moduleName}" is invalid: ${problems.join('; ')}`, {
    code: 'CONFIG_INVALID',
    details: {module: moduleName, problems},
    hint: `See "systemprompt config:validate" and the module's config schema.`,
  });
}
