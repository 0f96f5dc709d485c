import {Ajv, type Options} from 'ajv';
import addFormatsModule, {type FormatsPlugin} from 'ajv-formats';

// ajv-formats is CommonJS: under NodeNext its callable export sits on `default`.
const addFormats = ((addFormatsModule as unknown as {default?: FormatsPlugin}).default ??
  addFormatsModule) as FormatsPlugin;

/** The one ajv set-up of the project: every error collected, formats known, strict schemas. */
export function createAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({allErrors: true, strict: true, ...options});
  addFormats(ajv);
  // Schema annotations used by SystemPrompt OS: `secret` marks values that are stored encrypted;
  // `security` marks settings that only holders of config:security may change; `hostOnly` marks
  // settings taken only from this host's own sources (never the shared runtime layer).
  for (const keyword of ['secret', 'security', 'hostOnly']) ajv.addKeyword({keyword, schemaType: 'boolean'});
  return ajv;
}
