import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {invalidInput} from '../errors.js';
import type {ModuleManifest} from '../generated/module-manifest.js';

export const MANIFEST_FILE = 'module.yaml';

/** Reads, parses and validates `<root>/module.yaml`. The YAML parser is imported only when needed. */
export async function loadManifest(root: string, expectedVersion?: string): Promise<ModuleManifest> {
  const file = join(root, MANIFEST_FILE);
  const text = await readFile(file, 'utf8');
  return parseManifest(text, file, expectedVersion);
}

export async function parseManifest(text: string, file: string, expectedVersion?: string): Promise<ModuleManifest> {
  const {parse} = await import('yaml');
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw invalidInput(`${file} is not valid YAML: ${reason}`, {code: 'MANIFEST_INVALID', details: {source: file}});
  }
  // The precompiled validator is large; only a manifest that is not cached yet needs it.
  const {validateManifest} = await import('./validate.js');
  const manifest = validateManifest(data, file);
  if (expectedVersion !== undefined && manifest.version !== expectedVersion) {
    throw invalidInput(
      `${file} is invalid: /version: ${manifest.version} differs from the package version ${expectedVersion}`,
      {
        code: 'MANIFEST_INVALID',
        details: {source: file, problems: [`/version: must equal the package version ${expectedVersion}`]},
      },
    );
  }
  return manifest;
}
