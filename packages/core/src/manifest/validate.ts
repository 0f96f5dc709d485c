import type {ErrorObject} from 'ajv';
import validateManifestSchema from '../generated/module-manifest.validate.js';
import type {ModuleManifest} from '../generated/module-manifest.js';
import {invalidInput} from '../errors.js';

/** One ajv error as `path: message`, with the offending key or allowed values where ajv knows them. */
export function formatSchemaError(error: ErrorObject): string {
  const path = error.instancePath || '/';
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return `${path}: unknown property "${String(params.additionalProperty)}"`;
  if (error.keyword === 'required') return `${path}: missing required property "${String(params.missingProperty)}"`;
  if (error.keyword === 'enum') return `${path}: must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
  return `${path}: ${error.message ?? 'is invalid'}`;
}

export function formatSchemaErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map(formatSchemaError);
}

/** Validates a parsed module.yaml; throws exit-2 errors listing every problem with its path. */
export function validateManifest(data: unknown, source = 'module.yaml'): ModuleManifest {
  if (validateManifestSchema(data)) return data;
  const problems = formatSchemaErrors(validateManifestSchema.errors);
  throw invalidInput(`${source} is invalid: ${problems.join('; ')}`, {
    code: 'MANIFEST_INVALID',
    details: {source, problems},
    hint: 'Fix the manifest; its schema is @systemprompt/core/manifest-schema.json.',
  });
}
