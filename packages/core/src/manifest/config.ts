import {pathToFileURL} from 'node:url';
import type {ErrorObject} from 'ajv';
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
  precompiledValidator?: string,
): Promise<Record<string, unknown>> {
  if (!schema) return {...values};
  const validate = precompiledValidator ? await loadValidator(precompiledValidator) : await compileValidator(schema);
  const config = structuredClone(values);
  if (validate(config)) return config;
  const problems = formatSchemaErrors(validate.errors);
  throw invalidInput(`Configuration of module "${moduleName}" is invalid: ${problems.join('; ')}`, {
    code: 'CONFIG_INVALID',
    details: {module: moduleName, problems},
    hint: `See "systemprompt config:validate" and the module's config schema.`,
  });
}

type Validator = ((data: unknown) => boolean) & {errors?: ErrorObject[] | null};

// Compiling a schema with ajv costs tens of milliseconds; modules built with the project's codegen
// ship a precompiled validator instead.
async function loadValidator(file: string): Promise<Validator> {
  return ((await import(pathToFileURL(file).href)) as {default: Validator}).default;
}

async function compileValidator(schema: Record<string, unknown>): Promise<Validator> {
  const {createAjv} = await import('./ajv.js');
  return createAjv({useDefaults: true}).compile(schema);
}
