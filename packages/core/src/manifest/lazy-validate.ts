import type {ModuleManifest} from '../generated/module-manifest.js';

/** Validates parsed module.yaml data (exit 2 listing every problem); loads the validator on first use. */
export async function validateManifestData(data: unknown, source = 'module.yaml'): Promise<ModuleManifest> {
  const {validateManifest} = await import('./validate.js');
  return validateManifest(data, source);
}
