// The child process of extension:validate: everything that runs the package's own code happens here,
// never in the CLI's process, so a module that exits, hangs or throws from a timer ends or stalls only
// this process, and the parent reports it. It imports the module entry and the migrations, and, when
// asked, applies and reverts every migration and runs initialize(), healthCheck() and stop() in a
// kernel over a scratch SYSTEMPROMPT_HOME (the parent makes it and removes it afterwards).
import {readdir} from 'node:fs/promises';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {isSystemPromptError, resolveSystemPaths} from '@systemprompt/core';
import {bootOrder, contractProblems, createCliKernel, type Kernel, type ModuleRecord} from '@systemprompt/core/kernel';
import {DATABASE, type DatabaseService, type Migration, type ModuleMigration} from '@systemprompt/database';

export type ProblemCode = 'INIT_FAILED' | 'MIGRATION_FAILED';

export interface SandboxJob {
  /** The package being validated, as discovery would record it (without `error`). */
  module: ModuleRecord;
  /** Its place in the package: the entry file and the migrations directory, relative to the root. */
  entryPath: string;
  migrationsPath: string | undefined;
  /** The installed modules that may serve as its dependencies (loadable ones, itself left out). */
  records: ModuleRecord[];
  /** False: only import the entry and the migrations; true: also run them in a kernel. */
  boot: boolean;
}

export type SandboxMessage =
  /** What runs now: the parent names it when the process hangs or ends early. */
  | {kind: 'phase'; label: string; place: string; code?: ProblemCode}
  | {kind: 'problem'; path: string; problem: string; code?: ProblemCode}
  | {kind: 'migrations'; names: string[]}
  | {kind: 'done'};

const MIGRATION_NAME = /^\d{14}-[a-z0-9]+(-[a-z0-9]+)*$/;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The reason a lifecycle call gave, without the kernel's "Module x failed to ..." wrapper. */
const reasonOf = (error: unknown) =>
  error instanceof Error && error.cause !== undefined ? messageOf(error.cause) : messageOf(error);

/** Sends a message and waits until it is written: a busy loop after it must not keep it from the parent. */
const send = (message: SandboxMessage) => new Promise<void>((done) => process.send!(message, () => done()));

let current: {label: string; place: string; code?: ProblemCode} = {label: 'starting', place: 'package.json'};
let failed = false;

const phase = (label: string, place: string, code?: ProblemCode) => {
  current = {label, place, ...(code ? {code} : {})};
  return send({kind: 'phase', ...current});
};

const problem = (path: string, text: string, code?: ProblemCode) => {
  failed = true;
  return send({kind: 'problem', path, problem: text, ...(code ? {code} : {})});
};

/** Imports the entry and checks what its factory builds against the module contract. */
async function checkEntry(job: SandboxJob): Promise<boolean> {
  await phase('importing the module entry', job.entryPath);
  try {
    const exported = ((await import(pathToFileURL(job.module.entry!).href)) as {default?: unknown}).default;
    const candidate = typeof exported === 'function' ? await (exported as () => unknown)() : exported;
    const problems = contractProblems(candidate, job.module.name);
    for (const text of problems) await problem(job.entryPath, text);
    return problems.length === 0;
  } catch (error) {
    await problem(job.entryPath, `cannot be imported: ${messageOf(error)}`);
    return false;
  }
}

interface LoadedMigration {
  file: string;
  migration: ModuleMigration;
  /** The step (1-based) that ran last: the one that failed when the runner throws. */
  step: number;
}

/** Imports each migration file and checks its shape; the well-formed ones, in name order. */
async function loadMigrationFiles(job: SandboxJob): Promise<LoadedMigration[] | undefined> {
  if (!job.migrationsPath) return [];
  const directory = join(job.module.root, job.migrationsPath);
  const files = (await readdir(directory)).filter((file) => /\.m?js$/.test(file)).sort();
  const loaded: LoadedMigration[] = [];
  let wellFormed = true;
  for (const file of files) {
    const where = join(job.migrationsPath, file);
    await phase(`importing ${where}`, where);
    try {
      const migration = ((await import(pathToFileURL(join(directory, file)).href)) as {default?: Partial<Migration>})
        .default;
      if (!migration?.name || !Array.isArray(migration.steps)) {
        wellFormed = false;
        await problem(where, 'does not export defineMigration({name, steps})');
        continue;
      }
      if (!MIGRATION_NAME.test(migration.name)) {
        wellFormed = false;
        await problem(where, `name "${migration.name}" is not YYYYMMDDHHMMSS-what-it-does`);
      }
      for (const [index, step] of migration.steps.entries()) {
        if (typeof step?.up !== 'function' || typeof step?.down !== 'function') {
          wellFormed = false;
          await problem(where, `step ${index + 1} needs up() and down() (migrations must be reversible)`);
        }
      }
      loaded.push(tracked(file, migration as Migration, job.module.name));
    } catch (error) {
      wellFormed = false;
      await problem(where, `cannot be imported: ${messageOf(error)}`);
    }
  }
  await send({kind: 'migrations', names: loaded.map((item) => item.migration.name)});
  loaded.sort((a, b) => (a.migration.name < b.migration.name ? -1 : a.migration.name > b.migration.name ? 1 : 0));
  return wellFormed ? loaded : undefined;
}

/** The migration with each step noting that it runs, so a failure names its step. */
function tracked(file: string, migration: Migration, module: string): LoadedMigration {
  const item: LoadedMigration = {file, step: 0, migration: {module, name: migration.name, steps: []}};
  item.migration.steps = migration.steps.map((step, index) => ({
    up: (runner) => {
      item.step = index + 1;
      return step.up(runner);
    },
    down: (runner) => {
      item.step = index + 1;
      return step.down(runner);
    },
  }));
  return item;
}

/** Tables and indexes of the scratch database, but the migration bookkeeping. */
async function schemaObjects(database: DatabaseService): Promise<string[]> {
  const rows = await (
    await database.dataSource()
  ).query<Array<{type: string; name: string}>>(
    "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '%systemprompt_migrations%' ORDER BY name",
  );
  return rows.map((row) => `${row.type} ${row.name}`);
}

/**
 * Applies every migration, then reverts them newest first, and checks that the schema is what it
 * was before. Stops at the first failure (later migrations build on the failed one).
 */
async function applyAndRevert(job: SandboxJob, kernel: Kernel, migrations: LoadedMigration[]): Promise<boolean> {
  const database = kernel.service(DATABASE);
  const runner = await database.runner();
  const before = await schemaObjects(database);
  const where = (item: LoadedMigration) => join(job.migrationsPath!, item.file);
  const applied: LoadedMigration[] = [];
  let ok = true;
  for (const item of migrations) {
    await phase(`up() of ${item.migration.name}`, where(item), 'MIGRATION_FAILED');
    try {
      await runner.migrate([item.migration]);
      applied.push(item);
    } catch (error) {
      await problem(
        where(item),
        `step ${item.step} of ${item.migration.steps.length}: up() failed: ${reasonOf(error)}`,
        'MIGRATION_FAILED',
      );
      ok = false;
      break;
    }
  }
  const known = migrations.map((item) => item.migration);
  for (const item of applied.reverse()) {
    await phase(`down() of ${item.migration.name}`, where(item), 'MIGRATION_FAILED');
    try {
      await runner.rollback(known, {module: job.module.name, steps: 1});
    } catch (error) {
      await problem(
        where(item),
        `step ${item.step} of ${item.migration.steps.length}: down() failed: ${reasonOf(error)}`,
        'MIGRATION_FAILED',
      );
      return false;
    }
  }
  const after = await schemaObjects(database);
  const left = after.filter((object) => !before.includes(object));
  if (ok && left.length > 0) {
    await problem(
      job.migrationsPath!,
      `after every migration was reverted, the database still has ${left.join(', ')} (down() must undo up())`,
      'MIGRATION_FAILED',
    );
    return false;
  }
  return ok;
}

/** Boots what the module needs, checks its migrations, then runs its lifecycle in the scratch kernel. */
async function runInKernel(job: SandboxJob, migrations: LoadedMigration[]): Promise<void> {
  const {module} = job;
  const installed = new Set(job.records.map((record) => record.name));
  const missing = (module.manifest?.dependencies ?? []).filter((name) => !installed.has(name));
  if (missing.length > 0) {
    await problem(
      'module.yaml /dependencies',
      `depends on ${missing.map((name) => `"${name}"`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed`,
      'INIT_FAILED',
    );
    return;
  }
  // The database module runs its own migrations.
  if (migrations.length > 0 && !installed.has('database') && module.name !== 'database') {
    await problem(
      job.migrationsPath!,
      'has migrations but no database module is installed to run them',
      'MIGRATION_FAILED',
    );
    return;
  }
  await phase('starting its dependencies', 'module.yaml /dependencies', 'INIT_FAILED');
  // The scratch home the parent made (SYSTEMPROMPT_HOME): its own config, data and SQLite file.
  const kernel = await createCliKernel({modules: [...job.records, module], paths: resolveSystemPaths()});
  try {
    try {
      const needed = bootOrder([...job.records, module], [module.name])
        .filter((record) => record.name !== module.name)
        .map((record) => record.name);
      await kernel.boot(migrations.length > 0 ? [...needed, 'database'] : needed);
    } catch (error) {
      await problem(
        'module.yaml /dependencies',
        `its dependencies could not start: ${messageOf(error)}`,
        'INIT_FAILED',
      );
      return;
    }
    if (migrations.length > 0 && !(await applyAndRevert(job, kernel, migrations))) return;

    await phase('initialize()', job.entryPath, 'INIT_FAILED');
    try {
      await kernel.boot([module.name]);
    } catch (error) {
      const details = isSystemPromptError(error) ? error.details : undefined;
      const own = details?.module === module.name && details?.phase === 'initialize';
      await problem(
        job.entryPath,
        own ? `initialize() threw: ${reasonOf(error)}` : `could not be started: ${messageOf(error)}`,
        'INIT_FAILED',
      );
      return;
    }
    await phase('healthCheck()', job.entryPath, 'INIT_FAILED');
    const [health] = await kernel.health([module.name]);
    // The kernel turns a throwing check into an unhealthy one, with its own wrapper around the reason.
    const threw = `Module "${module.name}" failed to check its health: `;
    if (health && !health.healthy) {
      const message = health.message ?? '';
      await problem(
        job.entryPath,
        message.startsWith(threw)
          ? `healthCheck() threw: ${message.slice(threw.length)}`
          : `healthCheck() reports unhealthy${message ? `: ${message}` : ''}`,
        'INIT_FAILED',
      );
    }
  } finally {
    await phase('stop()', job.entryPath, 'INIT_FAILED');
    await kernel
      .stop()
      .catch((error: unknown) => problem(job.entryPath, `stop() threw: ${reasonOf(error)}`, 'INIT_FAILED'));
  }
}

async function validate(job: SandboxJob): Promise<void> {
  const contractHolds = await checkEntry(job);
  const migrations = await loadMigrationFiles(job);
  if (job.boot && contractHolds && migrations && !failed) await runInKernel(job, migrations);
}

// An error thrown outside any awaited call (a timer the module set) ends the run; it is reported
// with the phase that was running when it surfaced, which need not be the one that caused it.
const stray = (error: unknown) => {
  void problem(current.place, `uncaught error while ${current.label} ran: ${messageOf(error)}`, current.code)
    .then(() => send({kind: 'done'}))
    .finally(() => process.exit(1));
};
process.on('uncaughtException', stray);
process.on('unhandledRejection', stray);
// The parent is gone (the CLI was stopped): nobody waits for the answer.
process.on('disconnect', () => process.exit(1));

// `on`, not `once`: a listener keeps the IPC channel, and so the process, alive, so that a module
// whose initialize() awaits forever is seen to hang (and stopped at the time limit) instead of
// quietly ending the process.
let started = false;
process.on('message', (job: SandboxJob) => {
  if (started) return;
  started = true;
  validate(job)
    .catch((error: unknown) => problem(current.place, `${current.label} failed: ${messageOf(error)}`, current.code))
    .then(() => send({kind: 'done'}))
    // Exit at once: a module may leave timers or handles behind that would keep the process alive.
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
});
