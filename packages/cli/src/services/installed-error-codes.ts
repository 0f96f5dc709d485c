import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import type {Config} from '@oclif/core';
import {toSystemPromptError} from '@systemprompt/core';
import {readErrorCatalogue, type ErrorCodeInfo} from '@systemprompt/core/error-catalogue';

/** A row of the error-code reference: a declared code and the package that declares it. */
export interface ErrorCodeRow extends ErrorCodeInfo {
  package: string;
}

interface CatalogueSource {
  name: string;
  root: string;
  /** package.json `systemprompt.errorCodes`: the compiled catalogue, relative to the package. */
  file: unknown;
}

const CORE = '@systemprompt/core';

const errorCodesOf = (pjson: unknown): unknown =>
  (pjson as {systemprompt?: {errorCodes?: unknown}} | undefined)?.systemprompt?.errorCodes;

/** Core (not a plugin, but it declares the shared codes) and every loaded plugin that declares a catalogue. */
function catalogueSources(config: Config): CatalogueSource[] {
  const corePackage = fileURLToPath(import.meta.resolve(`${CORE}/package.json`));
  const sources: CatalogueSource[] = [
    {name: CORE, root: dirname(corePackage), file: errorCodesOf(JSON.parse(readFileSync(corePackage, 'utf8')))},
  ];
  for (const plugin of config.getPluginsList()) {
    const file = errorCodesOf(plugin.pjson);
    if (file !== undefined && plugin.name !== CORE) sources.push({name: plugin.name, root: plugin.root, file});
  }
  return sources;
}

async function readCatalogue(source: CatalogueSource): Promise<ErrorCodeRow[]> {
  if (typeof source.file !== 'string')
    throw new TypeError('"systemprompt.errorCodes" in its package.json is not a path');
  const loaded: unknown = await import(pathToFileURL(join(source.root, source.file)).href);
  return readErrorCatalogue(loaded, `${source.name}/${source.file.replace(/^\.\//, '')}`).map((entry) => ({
    ...entry,
    package: source.name,
  }));
}

/**
 * The error codes every installed package declares (package.json `systemprompt.errorCodes`), sorted
 * by code, then package; `only` limits them to those packages (core's are always in). A catalogue
 * that cannot be read is a warning: the reference is written without it.
 */
export async function installedErrorCodes(
  config: Config,
  only?: ReadonlySet<string>,
): Promise<{rows: ErrorCodeRow[]; warnings: string[]}> {
  const sources = catalogueSources(config).filter((source) => !only || source.name === CORE || only.has(source.name));
  const warnings: string[] = [];
  const read = await Promise.all(
    sources.map((source) =>
      readCatalogue(source).catch((error: unknown) => {
        warnings.push(`The error codes of ${source.name} are left out: ${toSystemPromptError(error).message}`);
        return [];
      }),
    ),
  );
  // Codes and package names are ASCII: a plain comparison orders them the same everywhere.
  const rows = read
    .flat()
    .sort((a, b) => (a.code === b.code ? (a.package < b.package ? -1 : 1) : a.code < b.code ? -1 : 1));
  return {rows, warnings};
}
