import {existsSync, readFileSync, readdirSync} from 'node:fs';
import {join, relative} from 'node:path';
import {pathToFileURL} from 'node:url';
import {ExitCode, errorFactories} from '@systemprompt/core';
import {readErrorCatalogue} from '@systemprompt/core/error-catalogue';
import {CATALOGUE_SOURCE, type Declaration, type PackageCodes} from './check.js';
import {scanSource, type FactoryExits} from './scan.js';

/** The exit code of each of core's error factories, read by calling it. */
export const FACTORY_EXITS: FactoryExits = Object.fromEntries(
  Object.entries(errorFactories).map(([name, make]) => [name, make('').exitCode]),
);

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  systemprompt?: {errorCodes?: string};
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, {withFileTypes: true}).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The line of `file` that declares `code` (`  CODE: {...`). */
const declarationLine = (text: string, code: string): number =>
  text.split('\n').findIndex((line) => new RegExp(`^\\s*${code}\\s*:`).test(line)) + 1;

/** A catalogue, imported from its TypeScript source (so the check needs no build of the package). */
async function loadCatalogue(root: string, file: string): Promise<ReadonlyMap<string, Declaration>> {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  const entries = readErrorCatalogue(await import(pathToFileURL(path).href), file);
  return new Map(
    entries.map((entry) => [entry.code, {exitCode: entry.exitCode, line: declarationLine(text, entry.code)}]),
  );
}

/**
 * Every package of the repository with a src/ directory (packages/* and apps/*): its error-code uses,
 * the SCREAMING_SNAKE literals of its sources and its catalogue.
 */
export async function scanRepository(root: string): Promise<PackageCodes[]> {
  const directories = ['packages', 'apps']
    .flatMap((group) =>
      readdirSync(join(root, group), {withFileTypes: true})
        .filter((entry) => entry.isDirectory())
        .map((entry) => `${group}/${entry.name}`),
    )
    .filter((dir) => existsSync(join(root, dir, 'package.json')) && existsSync(join(root, dir, 'src')));
  const manifests = new Map(
    directories.map((dir) => [dir, JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as PackageJson]),
  );
  const workspace = new Map([...manifests].map(([dir, pjson]) => [pjson.name, dir]));
  const directDependencies = (name: string) => {
    const pjson = manifests.get(workspace.get(name)!)!;
    return Object.keys({...pjson.dependencies, ...pjson.peerDependencies}).filter((dependency) =>
      workspace.has(dependency),
    );
  };
  const closure = (name: string): string[] => {
    const seen = new Set<string>();
    const visit = (current: string) => {
      for (const dependency of directDependencies(current)) {
        if (seen.has(dependency)) continue;
        seen.add(dependency);
        visit(dependency);
      }
    };
    visit(name);
    return [...seen];
  };

  const packages: PackageCodes[] = [];
  for (const dir of directories) {
    const pjson = manifests.get(dir)!;
    const catalogueFile = `${dir}/${CATALOGUE_SOURCE}`;
    const uses: Array<PackageCodes['uses'][number]> = [];
    const literals = new Set<string>();
    for (const path of sourceFiles(join(root, dir, 'src'))) {
      const file = relative(root, path);
      if (file === catalogueFile) continue;
      const scan = scanSource(file, readFileSync(path, 'utf8'), FACTORY_EXITS, ExitCode);
      uses.push(...scan.uses.map((use) => ({...use, file})));
      for (const literal of scan.literals) literals.add(literal);
    }
    const hasCatalogue = existsSync(join(root, catalogueFile));
    packages.push({
      name: pjson.name,
      dir,
      dependencies: closure(pjson.name),
      uses,
      literals,
      ...(hasCatalogue ? {catalogue: {file: catalogueFile, codes: await loadCatalogue(root, catalogueFile)}} : {}),
      ...(pjson.systemprompt?.errorCodes === undefined ? {} : {pointer: pjson.systemprompt.errorCodes}),
    });
  }
  return packages;
}
