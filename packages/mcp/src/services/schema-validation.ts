import type {JsonSchema} from '@systemprompt/core';
import {Ajv2020, type ValidateFunction} from 'ajv/dist/2020.js';
import addFormatsModule, {type FormatsPlugin} from 'ajv-formats';

const addFormats = addFormatsModule as unknown as FormatsPlugin;
let ajv: Ajv2020 | undefined;

/**
 * A validator for a tool's input schema (JSON Schema 2020-12, which MCP names). Unknown keywords
 * (`secret`) are allowed; a schema that does not compile (an upstream's) gives null: the arguments
 * then go to the tool unchecked and the upstream checks them itself.
 */
export function compileSchema(schema: JsonSchema, onError: (error: unknown) => void): ValidateFunction | null {
  ajv ??= (() => {
    const instance = new Ajv2020({strict: false, allErrors: true, validateSchema: false});
    addFormats(instance);
    return instance;
  })();
  const {$schema: _ignored, ...body} = schema;
  try {
    return ajv.compile(body);
  } catch (error) {
    onError(error);
    return null;
  }
}
