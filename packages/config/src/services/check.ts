import {validateModuleConfig} from '@systemprompt/core';
import {layerModuleConfig, type ConfigLayerInputs, type SecretBox} from '@systemprompt/core/config';
import type {SchemaCatalog} from './schema-catalog.js';

export interface Problem {
  module: string;
  problem: string;
}

/** Each module's configuration, as these layers make it, checked against its schema. */
export async function problemsIn(
  catalog: SchemaCatalog,
  inputs: ConfigLayerInputs,
  secrets: SecretBox | undefined,
  modules: Iterable<string> = catalog.modules.keys(),
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const module of modules) {
    const entry = catalog.schemaOf(module);
    try {
      const layered = await layerModuleConfig(module, entry.schema, inputs, secrets);
      await validateModuleConfig(module, entry.schema, layered.values, entry.validator);
    } catch (error) {
      problems.push({module, problem: error instanceof Error ? error.message : String(error)});
    }
  }
  return problems;
}
