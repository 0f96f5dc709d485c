import validateManifestSchema from '../generated/module-manifest.validate.js';
import type {ModuleManifest} from '../generated/module-manifest.js';
import {invalidInput} from '../errors.js';
import {formatSchemaErrors} from './schema-errors.js';

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
