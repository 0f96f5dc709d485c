import type {ErrorObject} from 'ajv';

/** One ajv error as `path: message`, with the offending key or allowed values where ajv knows them. */
export function formatSchemaError(error: ErrorObject): string {
  const path = error.instancePath || '/';
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties')
    return `${path}: unknown property "${String(params.additionalProperty)}"`;
  if (error.keyword === 'required') return `${path}: missing required property "${String(params.missingProperty)}"`;
  if (error.keyword === 'enum')
    return `${path}: must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
  return `${path}: ${error.message ?? 'is invalid'}`;
}

export function formatSchemaErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map(formatSchemaError);
}
