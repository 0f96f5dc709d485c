import {isErrorCodeName, type CodeUse} from './scan.js';

/** A declared code: its exit code and the line of its catalogue that declares it. */
export interface Declaration {
  exitCode: number;
  line: number;
}

/** What the check needs of one package (paths relative to the repository root). */
export interface PackageCodes {
  name: string;
  /** e.g. `packages/users`. */
  dir: string;
  /** The workspace packages it depends on at run time, directly or not. */
  dependencies: readonly string[];
  /** Its catalogue, `<dir>/src/error-codes.ts`, when it has one. */
  catalogue?: {file: string; codes: ReadonlyMap<string, Declaration>};
  /** package.json `systemprompt.errorCodes`. */
  pointer?: string;
  uses: ReadonlyArray<CodeUse & {file: string}>;
  /** SCREAMING_SNAKE string literals of its sources (a declared code written anywhere is in use). */
  literals: ReadonlySet<string>;
}

export const CATALOGUE_SOURCE = 'src/error-codes.ts';
/** Where package.json's `systemprompt.errorCodes` points: the compiled catalogue. */
export const catalogueTarget = (isCore: boolean): string =>
  isCore ? './dist/bundle/error-codes.js' : './dist/error-codes.js';

// Codes of SQLite, MySQL and mysql2 that the sources fake or pass on: theirs, not ours.
const FOREIGN = /^(SQLITE|ER|PROTOCOL)_/;

const describeUse = (use: CodeUse) => (use.exitCode === undefined ? use.via : `${use.via}, exit ${use.exitCode}`);

/**
 * Every way the sources and the catalogues disagree, one line each, naming the file and line to
 * change and what to do: a code used but not declared (in the package's own catalogue, one of a
 * package it depends on, or core's), a use whose exit code differs from the declared one, a code
 * declared but used nowhere it could be, and a catalogue package.json does not point at.
 */
export function checkErrorCodes(packages: readonly PackageCodes[], coreName: string): string[] {
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const core = byName.get(coreName);
  const coreCatalogue = core?.catalogue?.file ?? `packages/core/${CATALOGUE_SOURCE}`;
  const problems: string[] = [];

  for (const pkg of packages) {
    const own = `${pkg.dir}/${CATALOGUE_SOURCE}`;
    // Where a code it uses may be declared, in the order looked at: its own catalogue, its dependencies', core's.
    const visible = [
      pkg,
      ...pkg.dependencies.map((name) => byName.get(name)).filter((dependency) => dependency !== core),
      ...(core && core !== pkg ? [core] : []),
    ].filter(
      (candidate): candidate is PackageCodes & {catalogue: NonNullable<PackageCodes['catalogue']>} =>
        candidate?.catalogue !== undefined,
    );
    for (const use of pkg.uses) {
      if (use.via === 'code property' && FOREIGN.test(use.code)) continue;
      const where = `${use.file}:${use.line}`;
      if (!isErrorCodeName(use.code)) {
        problems.push(
          `${where}: "${use.code}" is not an error code: codes are SCREAMING_SNAKE_CASE, e.g. USER_NOT_FOUND`,
        );
        continue;
      }
      const owner = visible.find((candidate) => candidate.catalogue.codes.has(use.code));
      if (!owner) {
        const add = pkg.catalogue
          ? `add it to ${own}`
          : `create ${own} (export default defineErrorCodes({...}) from @systemprompt/core/error-catalogue), add it there and set "systemprompt": {"errorCodes": "${catalogueTarget(false)}"} in ${pkg.dir}/package.json`;
        problems.push(
          `${where}: ${use.code} (${describeUse(use)}) is not declared: ${add}, or to ${coreCatalogue} if other packages use it too`,
        );
        continue;
      }
      const declared = owner.catalogue.codes.get(use.code)!;
      if (use.exitCode !== undefined && use.exitCode !== declared.exitCode) {
        problems.push(
          `${where}: ${use.code} leaves with exit ${use.exitCode} (${use.via}) but ${owner.catalogue.file}:${declared.line} declares exit ${declared.exitCode}: use the factory of exit ${declared.exitCode}, or another code`,
        );
      }
    }
  }

  for (const pkg of packages) {
    if (!pkg.catalogue) continue;
    const target = catalogueTarget(pkg === core);
    if (pkg.pointer !== target) {
      problems.push(
        `${pkg.dir}/package.json: set "systemprompt": {"errorCodes": "${target}"}, so cli:docs finds ${pkg.catalogue.file}${pkg.pointer === undefined ? '' : ` (it says ${pkg.pointer})`}`,
      );
    }
    // A package's codes may be thrown by it and by the packages that depend on it; core's by any.
    const users = packages.filter(
      (candidate) => pkg === core || candidate === pkg || candidate.dependencies.includes(pkg.name),
    );
    for (const [code, {line}] of pkg.catalogue.codes) {
      if (!users.some((candidate) => candidate.literals.has(code) || candidate.uses.some((use) => use.code === code))) {
        problems.push(
          `${pkg.catalogue.file}:${line}: ${code} is declared but no source of ${pkg === core ? 'any package' : `${pkg.name} or of a package depending on it`} uses it: remove it`,
        );
      }
    }
  }
  return problems;
}
