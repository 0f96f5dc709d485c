import {invalidInput} from '@systemprompt/core';
import type {Ajv2020, ErrorObject, ValidateFunction} from 'ajv/dist/2020.js';

let ajv: Promise<Ajv2020> | undefined;
const validators = new Map<string, ValidateFunction>();
const CACHE_SIZE = 200;

/**
 * The validator of inputs schemas: JSON Schema 2020-12, the dialect MCP tools declare their inputs in;
 * unknown keywords allowed, defaults filled in. Loaded on first use: most commands never need it.
 */
function instance(): Promise<Ajv2020> {
  ajv ??= (async () => {
    const [{Ajv2020}, formats] = await Promise.all([import('ajv/dist/2020.js'), import('ajv-formats')]);
    const created = new Ajv2020({strict: false, allErrors: true, useDefaults: true});
    (formats.default as unknown as (ajv: Ajv2020) => void)(created);
    return created;
  })();
  return ajv;
}

async function validator(schema: Record<string, unknown>): Promise<ValidateFunction> {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    const {$schema: _ignored, ...body} = schema;
    validate = (await instance()).compile(body);
    if (validators.size >= CACHE_SIZE) validators.delete(validators.keys().next().value!);
    validators.set(key, validate);
  }
  return validate;
}

/** Why an inputs schema cannot be used, as one line, or undefined. */
export async function inputsSchemaProblem(schema: Record<string, unknown>): Promise<string | undefined> {
  try {
    await validator(schema);
    return undefined;
  } catch (error) {
    return `is not a usable JSON Schema: ${error instanceof Error ? error.message : String(error)}`;
  }
}

const describe = (errors: readonly ErrorObject[]) =>
  errors.map((error) => `${error.instancePath || '(the input)'} ${error.message ?? 'is invalid'}`);

/**
 * The run's input checked against the workflow's inputs schema, with the schema's defaults filled in
 * (a copy; the caller's object is left alone). Throws WORKFLOW_INPUT_INVALID.
 */
export async function checkInput(
  workflow: string,
  schema: Record<string, unknown> | undefined,
  input: unknown,
): Promise<Record<string, unknown>> {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw invalidInput(`The input of workflow ${workflow} must be a JSON object`, {code: 'WORKFLOW_INPUT_INVALID'});
  const copy = structuredClone(input) as Record<string, unknown>;
  if (!schema) return copy;
  const validate = await validator(schema);
  if (!validate(copy)) {
    const problems = describe(validate.errors ?? []);
    throw invalidInput(`Invalid input for workflow ${workflow}: ${problems.join('; ')}`, {
      code: 'WORKFLOW_INPUT_INVALID',
      details: {problems},
      hint: `See the inputs schema with workflows:show ${workflow}.`,
    });
  }
  return copy;
}
