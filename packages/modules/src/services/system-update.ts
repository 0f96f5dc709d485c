import {execFile} from 'node:child_process';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {loadManifest, unavailable} from '@systemprompt/core';
import type {ModuleRecord} from '@systemprompt/core/kernel';
import {DATABASE, migrationFileNames, type DatabaseService} from '@systemprompt/database';
import {checkoutChanges, git, installationOf, type Installation} from './installation.js';
import {newestVersion, registryInstalls, semverGt} from './registry.js';
import {npm, stagePackage} from './package-source.js';
import type {ModulesHost} from './modules-service.js';

const run = promisify(execFile);

/** One thing an update changes: the CLI itself or a module package. */
export interface UpdateChange {
  kind: 'cli' | 'module';
  /** The module's name, or the CLI's package name. */
  name: string;
  package: string;
  from: string;
  /** The version it would move to (the same as from when it is current). */
  to: string;
  update: boolean;
  /** Migrations the new version brings that this database has not applied. */
  migrations: string[];
  /** Why it is not updated, or how (a git checkout: the commits behind its upstream). */
  note?: string;
}

export interface UpdatePlan {
  installation: Installation['kind'];
  /** Where the CLI is installed (npm: its prefix; git: the checkout). */
  location: string;
  changes: UpdateChange[];
}

export interface UpdateOutcome extends UpdatePlan {
  dryRun: boolean;
  /** The backup taken before anything changed (system:restore puts it back). */
  backup: string | null;
  migrationsApplied: string[];
  /** The commands that go back to what ran before. */
  rollback: string[];
}

/** The migrations a staged package version brings that `applied` does not hold. */
async function newMigrations(
  database: DatabaseService,
  moduleName: string,
  directory: string,
  migrationsPath: string | undefined,
): Promise<string[]> {
  if (!migrationsPath) return [];
  const names = await migrationFileNames({module: moduleName, directory: join(directory, migrationsPath)});
  const applied = new Set(
    (await (await database.runner()).applied())
      .filter((migration) => migration.module === moduleName)
      .map((migration) => migration.name),
  );
  return names.filter((name) => !applied.has(name)).sort();
}

/** Stages `packageName@version` from the registry and lists the migrations it would add. */
async function migrationsOfVersion(
  host: ModulesHost,
  database: DatabaseService,
  record: ModuleRecord,
  version: string,
): Promise<string[]> {
  const staged = await stagePackage(`${record.packageName}@${version}`, host.config.dataDir);
  try {
    const manifest = await loadManifest(staged.extracted);
    return await newMigrations(database, record.name, staged.extracted, manifest.migrations);
  } finally {
    await staged.dispose();
  }
}

/** The registry's answer for a package, or why there is none (not published there, no registry). */
async function newest(packageName: string, range: string): Promise<{version?: string; note?: string}> {
  try {
    return {version: await newestVersion(packageName, range)};
  } catch (error) {
    const message = (error as Error).message;
    return {note: /E404|404 Not Found|is not in this registry/.test(message) ? 'not in the registry' : message};
  }
}

/**
 * What `system:update` would change, read before anything changes: for an npm install the CLI's newest
 * version and, for each of its module packages it would bring in a newer version, the migrations that
 * would run; for a git checkout the commits behind its upstream and the migration files they add; for
 * every module installed from a registry by name, its newest version within its range and its new
 * migrations.
 */
export async function planUpdate(host: ModulesHost, options: {fetch: boolean}): Promise<UpdatePlan> {
  const installation = installationOf(host.config.root);
  const records = await host.modules();
  const kernel = await host.newKernel(records);
  try {
    await kernel.boot(['database']);
    const database = kernel.service(DATABASE);
    const changes: UpdateChange[] = [];
    const cli = {name: host.config.pjson.name, version: host.config.pjson.version};
    const cliChange: UpdateChange = {
      kind: 'cli',
      name: cli.name,
      package: cli.name,
      from: cli.version,
      to: cli.version,
      update: false,
      migrations: [],
    };
    changes.push(cliChange);
    if (installation.kind === 'npm') {
      const found = await newest(cli.name, 'latest');
      if (found.note) cliChange.note = found.note;
      else if (found.version && semverGt(found.version, cli.version)) {
        Object.assign(cliChange, {to: found.version, update: true});
        // The module packages that come with the new CLI, at the versions it asks for.
        const wanted = JSON.parse(
          (await npm(['view', `${cli.name}@${found.version}`, 'dependencies', '--json'], host.config.dataDir)) || '{}',
        ) as Record<string, string>;
        for (const record of records.filter((each) => each.source === 'core' && wanted[each.packageName])) {
          const target = await newest(record.packageName, wanted[record.packageName]!);
          if (target.version && semverGt(target.version, record.version))
            cliChange.migrations.push(...(await migrationsOfVersion(host, database, record, target.version)));
        }
      }
    } else if (installation.kind === 'git') {
      const checkout = await checkoutChanges(installation.top, {fetch: options.fetch});
      const applied = new Set((await (await database.runner()).applied()).map((migration) => migration.name));
      Object.assign(cliChange, {
        to: checkout.behind > 0 ? `${cli.version}+${checkout.behind}` : cli.version,
        update: checkout.behind > 0,
        migrations: checkout.migrations.filter((name) => !applied.has(name)),
        note: checkout.upstream
          ? `git checkout ${checkout.head.slice(0, 12)}, ${checkout.behind} commit(s) behind ${checkout.upstream}`
          : 'git checkout with no upstream branch',
      });
    } else cliChange.note = 'installed neither with npm nor as a git checkout: update it the way it was installed';

    const fromRegistry = registryInstalls(host.config.dataDir);
    for (const record of records.filter((each) => each.source === 'user' && fromRegistry.has(each.packageName))) {
      const change: UpdateChange = {
        kind: 'module',
        name: record.name,
        package: record.packageName,
        from: record.version,
        to: record.version,
        update: false,
        migrations: [],
      };
      const found = await newest(record.packageName, fromRegistry.get(record.packageName)!);
      if (found.note) change.note = found.note;
      else if (found.version && semverGt(found.version, record.version)) {
        Object.assign(change, {to: found.version, update: true});
        change.migrations = await migrationsOfVersion(host, database, record, found.version);
      }
      changes.push(change);
    }
    return {installation: installation.kind, location: locationOf(installation), changes};
  } finally {
    await kernel.stop();
  }
}

const locationOf = (installation: Installation) =>
  installation.kind === 'npm'
    ? installation.prefix
    : installation.kind === 'git'
      ? installation.top
      : installation.root;

/** The CLI's own entry point after an update (the same path: npm and git replace it in place). */
const binOf = (host: ModulesHost) => join(host.config.root, 'bin', 'run.js');

/**
 * Updates the CLI (npm install of its newest version, or git pull --ff-only, pnpm install and build in
 * a checkout); then every database migration runs with the updated CLI. `backup` has been taken before.
 */
export async function updateCli(host: ModulesHost, cli: UpdateChange): Promise<string[]> {
  const installation = installationOf(host.config.root);
  if (installation.kind === 'npm')
    await npm(
      [
        'install',
        ...(installation.global ? ['--global', '--prefix', installation.prefix] : []),
        `${cli.package}@${cli.to}`,
      ],
      installation.global ? host.config.dataDir : installation.prefix,
    );
  else if (installation.kind === 'git') {
    await git(installation.top, ['pull', '--ff-only', '--quiet']);
    for (const args of [
      ['install', '--frozen-lockfile'],
      ['run', 'build'],
    ]) {
      try {
        await run('pnpm', args, {cwd: installation.top, maxBuffer: 64 * 1024 * 1024});
      } catch (error) {
        throw unavailable(
          `pnpm ${args.join(' ')} failed after the pull: ${String((error as Error).message).split('\n')[0]}`,
          {
            code: 'UPDATE_FAILED',
            cause: error,
          },
        );
      }
    }
  }
  return migrateWithUpdatedCli(host);
}

/** Runs `database:migrate` with the CLI as it is on disk now (the updated one); the names it applied. */
export async function migrateWithUpdatedCli(host: ModulesHost): Promise<string[]> {
  try {
    const {stdout} = await run(process.execPath, [binOf(host), 'database:migrate', '--json'], {
      env: {...process.env},
      maxBuffer: 16 * 1024 * 1024,
    });
    const rows = (JSON.parse(stdout) as {data?: Array<{name: string; status: string}>}).data ?? [];
    return rows.filter((row) => row.status === 'applied').map((row) => row.name);
  } catch (error) {
    const stdout = String((error as {stdout?: unknown}).stdout ?? '');
    let message = String((error as Error).message).split('\n')[0];
    try {
      message = (JSON.parse(stdout) as {error: {message: string}}).error.message;
    } catch {
      // Not a JSON envelope: the first line of what failed.
    }
    throw unavailable(`The migrations of the updated CLI failed: ${message}`, {code: 'UPDATE_FAILED', cause: error});
  }
}

/** The commands that go back to the versions before the update, then to the data before it. */
export function rollbackCommands(
  host: ModulesHost,
  plan: UpdatePlan,
  head: string | null,
  backup: string | null,
): string[] {
  const bin = host.config.bin;
  const installation = installationOf(host.config.root);
  const commands: string[] = [];
  for (const change of plan.changes.filter((each) => each.update)) {
    if (change.kind === 'cli' && installation.kind === 'npm')
      commands.push(
        `npm install ${installation.global ? `--global --prefix ${installation.prefix} ` : ''}${change.package}@${change.from}`,
      );
    else if (change.kind === 'cli' && installation.kind === 'git' && head)
      commands.push(`git -C ${installation.top} checkout ${head} && pnpm install --frozen-lockfile && pnpm run build`);
    else if (change.kind === 'module') commands.push(`${bin} extension:install ${change.package}@${change.from}`);
  }
  if (backup && commands.length > 0) commands.push(`${bin} system:restore ${backup}`);
  return commands;
}
