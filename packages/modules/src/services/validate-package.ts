import {existsSync, readFileSync} from 'node:fs';
import {readdir} from 'node:fs/promises';
import {join, relative} from 'node:path';
import {isPermission, loadManifest, type ModuleManifest} from '@systemprompt/core';
import {contractProblems} from '@systemprompt/core/kernel';

export interface PackageProblem {
  /** Where: a file of the package, or a path inside it (module.yaml /permissions/0). */
  path: string;
  problem: string;
}

export interface PackageReport {
  root: string;
  name: string | null;
  valid: boolean;
  problems: PackageProblem[];
  commands: string[];
  migrations: string[];
}

const MIGRATION_NAME = /^\d{14}-[a-z0-9]+(-[a-z0-9]+)*$/;
const COMMAND_ID = /^[a-z][a-z0-9-]*(:[a-z][a-z0-9-]*)+$/;

/**
 * Everything that makes a directory a working SystemPrompt OS module package: its files, its
 * manifest against the schema, the module contract at run time, its migrations and its commands.
 * Every problem is reported with where it is, not just the first.
 */
export async function validatePackage(root: string): Promise<PackageReport> {
  const problems: PackageProblem[] = [];
  const problem = (path: string, text: string) => problems.push({path, problem: text});
  const report: PackageReport = {root, name: null, valid: false, problems, commands: [], migrations: []};

  let pjson: {name?: string; systemprompt?: {module?: string}; oclif?: {commands?: string}; peerDependencies?: Record<string, string>; dependencies?: Record<string, string>} = {};
  try {
    pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as typeof pjson;
  } catch {
    problem('package.json', 'missing or not JSON');
  }
  if (!pjson.systemprompt?.module) problem('package.json', 'no "systemprompt": {"module": "./dist/index.js"} entry');
  if (!pjson.oclif) problem('package.json', 'no "oclif" section (the CLI loads modules as oclif plugins)');
  if (pjson.dependencies?.['@systemprompt/core']) problem('package.json', '@systemprompt/core must be a peerDependency, not a dependency: the module must run on the host\'s copy');

  let manifest: ModuleManifest | undefined;
  try {
    manifest = await loadManifest(root);
    report.name = manifest.name;
  } catch (error) {
    const details = (error as {details?: {problems?: string[]}}).details?.problems;
    if (details) for (const text of details) problem(`module.yaml ${text.slice(0, text.indexOf(':'))}`, text.slice(text.indexOf(':') + 1).trim());
    else problem('module.yaml', error instanceof Error ? error.message : String(error));
  }

  for (const [index, permission] of (manifest?.permissions ?? []).entries()) {
    if (!isPermission(permission.name) || permission.name.includes('*')) problem(`module.yaml /permissions/${index}`, `"${permission.name}" is not a resource:action permission`);
  }

  if (manifest && pjson.systemprompt?.module) {
    const entry = join(root, pjson.systemprompt.module);
    if (!existsSync(entry)) problem(relative(root, entry), 'the module entry does not exist (build the package first)');
    else {
      try {
        const exported = ((await import(`${new URL(`file://${entry}`).href}`)) as {default?: unknown}).default;
        const candidate = typeof exported === 'function' ? await (exported as () => unknown)() : exported;
        for (const text of contractProblems(candidate, manifest.name)) problem(relative(root, entry), text);
      } catch (error) {
        problem(relative(root, entry), `cannot be imported: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  if (manifest?.migrations) {
    const directory = join(root, manifest.migrations);
    const files = existsSync(directory) ? (await readdir(directory)).filter((file) => /\.m?js$/.test(file)) : [];
    if (!existsSync(directory)) problem(manifest.migrations, 'the migrations directory does not exist');
    for (const file of files.sort()) {
      const where = join(manifest.migrations, file);
      try {
        const migration = ((await import(new URL(`file://${join(directory, file)}`).href)) as {default?: {name?: string; steps?: Array<{up?: unknown; down?: unknown}>}}).default;
        if (!migration?.name || !Array.isArray(migration.steps)) problem(where, 'does not export defineMigration({name, steps})');
        else {
          if (!MIGRATION_NAME.test(migration.name)) problem(where, `name "${migration.name}" is not YYYYMMDDHHMMSS-what-it-does`);
          migration.steps.forEach((step, index) => {
            if (typeof step.up !== 'function' || typeof step.down !== 'function') problem(where, `step ${index + 1} needs up() and down() (migrations must be reversible)`);
          });
          report.migrations.push(migration.name);
        }
      } catch (error) {
        problem(where, `cannot be imported: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  const manifestFile = join(root, 'oclif.manifest.json');
  if (existsSync(manifestFile)) {
    const commands = Object.keys((JSON.parse(readFileSync(manifestFile, 'utf8')) as {commands?: Record<string, unknown>}).commands ?? {});
    report.commands = commands.sort();
    for (const id of commands) {
      if (!COMMAND_ID.test(id)) problem(`command ${id}`, 'command ids are topic:action (lower-case, e.g. notes:add)');
      else if (manifest && id.split(':')[0] !== manifest.name) problem(`command ${id}`, `its topic should be the module name "${manifest.name}"`);
    }
  } else if (pjson.oclif?.commands) problem('oclif.manifest.json', 'missing: run "oclif manifest" in the build so the CLI does not import every command to list them');

  report.valid = problems.length === 0;
  return report;
}
