import {AssertionError, strict as assert} from 'node:assert';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
import {createTestDatabase, type EngineName, type TestDatabase} from './database.js';
import {createTempHome, type TempHome} from './home.js';
import {loadCliConfig} from './run-cli.js';

/**
 * Helpers for tests of the MCP tools a module registers: a kernel booted in this process on a
 * temporary home and a test database, users to call the tools as, and calls checked against the
 * tools' schemas as the mcp module checks them. This package cannot depend on @systemprompt/core
 * (core's own tests use it), so the kernel's parts are passed in and the types are structural.
 */

/** A JSON Schema object (draft 2020-12), as core's tools declare their input and output. */
export type JsonSchemaObject = Record<string, unknown>;

interface Validator {
  (value: unknown): boolean;
  errors?: unknown[] | null;
}

// The mcp module validates with ajv (draft 2020-12); core depends on it, so the tests borrow it from there.
const {Ajv2020} = createRequire(fileURLToPath(new URL('../../core/package.json', import.meta.url)))(
  'ajv/dist/2020.js',
) as {
  Ajv2020: new (options: Record<string, unknown>) => {
    compile(schema: JsonSchemaObject): Validator;
    errorsText(errors?: unknown[] | null): string;
  };
};
const ajv = new Ajv2020({strict: false, allErrors: true});

/** Whether `value`, as it is, matches `schema`. */
export function matchesSchema(schema: JsonSchemaObject, value: unknown): boolean {
  return ajv.compile(schema)(value);
}

/** Asserts that `value`, as a client receives it (JSON), matches `schema`; the failure says why. */
export function expectMatchesSchema(schema: JsonSchemaObject, value: unknown): void {
  const validate = ajv.compile(schema);
  if (!validate(JSON.parse(JSON.stringify(value))))
    throw new AssertionError({message: `${ajv.errorsText(validate.errors)}: ${JSON.stringify(value)}`});
}

/** A tool as core's registry holds it (RegisteredTool), as far as calling it goes. */
export interface CallableTool<A> {
  name: string;
  inputSchema: JsonSchemaObject;
  outputSchema?: JsonSchemaObject;
  handler(input: Record<string, unknown>, context: {actor: A; signal: AbortSignal}): Promise<unknown>;
}

/** The tool named `name` of `tools`; fails the test when there is none. */
export function findTool<T extends {name: string}>(tools: readonly T[], name: string): T {
  const found = tools.find((candidate) => candidate.name === name);
  assert.ok(found, `tool ${name}`);
  return found;
}

const NEVER_ABORTED = new AbortController().signal;

/**
 * Calls a tool as the mcp module does: the input checked against its input schema first, then the
 * handler as `actor`; a result is checked against its output schema. A refusal rejects as the handler
 * does (see `refusal`).
 */
export async function callTool<A>(
  tools: ReadonlyArray<CallableTool<A>>,
  name: string,
  input: Record<string, unknown>,
  actor: A,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- callers read the shape they assert on
): Promise<any> {
  const tool = findTool(tools, name);
  expectMatchesSchema(tool.inputSchema, input);
  const result = await tool.handler(input, {actor, signal: NEVER_ABORTED});
  if (tool.outputSchema) expectMatchesSchema(tool.outputSchema, result);
  return result;
}

/** What a service throws (a SystemPromptError), as far as tests read it. */
export interface Refusal {
  exitCode: number;
  code: string;
  message: string;
}

/** The error `promise` rejects with; fails the test when it resolves. */
export async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    return error as Refusal;
  }
  throw new AssertionError({message: 'expected a refusal'});
}

/** A kernel as far as these helpers use it (core's Kernel). */
export interface TestKernel {
  boot(names: string[]): Promise<unknown>;
  stop(): Promise<void>;
  service<T>(name: string): T;
}

/**
 * The parts of @systemprompt/core (and @systemprompt/core/kernel) that boot a kernel, passed in by
 * the test: `{Kernel, discoverModules, resolveSystemPaths, LOCAL_ADMIN}`.
 */
export interface KernelParts<K extends TestKernel, R extends {name: string}, P extends {cache: string}, A> {
  Kernel: new (options: {modules: R[]; paths: P; configValues: (record: R) => Record<string, unknown>}) => K;
  discoverModules(plugins: never, cacheDirectory: string): Promise<R[]>;
  resolveSystemPaths(defaults: undefined, env: {SYSTEMPROMPT_HOME: string}): P;
  /** The local operator, who makes the users. */
  LOCAL_ADMIN: A;
}

export interface ModuleKernelOptions {
  /** The package whose modules are discovered: itself and the module packages it depends on, as loadCliConfig finds them. */
  root: string;
  /** The modules to boot (the modules they need are booted with them). */
  boot: string[];
  /** Configuration values per module (over the schema's defaults), e.g. `{queue: {pollMs: 20}}`. */
  config?: Record<string, Record<string, unknown>>;
}

/**
 * A kernel of the modules of `root` in this process, on `home` and on `database` (its URL, when it has
 * one, is the database module's), with `boot` booted. Stop it when done.
 */
export async function bootModuleKernel<K extends TestKernel, R extends {name: string}, P extends {cache: string}, A>(
  core: KernelParts<K, R, P, A>,
  options: ModuleKernelOptions & {home: TempHome; database: TestDatabase},
): Promise<K> {
  const {database} = options;
  const config = await loadCliConfig(options.root);
  const paths = core.resolveSystemPaths(undefined, {SYSTEMPROMPT_HOME: options.home.path});
  const kernel = new core.Kernel({
    modules: await core.discoverModules(config.getPluginsList() as never, paths.cache),
    paths,
    configValues: (record) => ({
      ...options.config?.[record.name],
      ...(record.name === 'database' && database.url ? {url: database.url} : {}),
    }),
  });
  try {
    await kernel.boot(options.boot);
  } catch (error) {
    // What did boot (the database module's connection) must not keep the test process alive;
    // the boot error is the one to see.
    await kernel.stop().catch((stopError: unknown) => {
      throw new AggregateError([error, stopError], 'The kernel failed to boot, and then to stop');
    });
    throw error;
  }
  return kernel;
}

/** A user as it acts through one of its API keys (assignable to core's Actor). */
export interface UserActor {
  kind: 'user';
  id: string;
  label: string;
  via: 'api-key';
}

/** A new user with `roles`, made through the kernel's users module by `operator`, as it acts through an API key. */
export async function createUserActor<A>(
  kernel: TestKernel,
  operator: A,
  email: string,
  roles: string[],
): Promise<UserActor> {
  const {users} = kernel.service<{
    users: {create(actor: A, input: {email: string; roles: string[]}): Promise<{id: string}>};
  }>('users');
  const user = await users.create(operator, {email, roles});
  return {kind: 'user', id: user.id, label: email, via: 'api-key'};
}

/** What `useModuleKernel` fills in before the suite's tests. */
export interface ModuleKernelFixture<K> {
  engine: EngineName;
  home: TempHome;
  database: TestDatabase;
  kernel: K;
  /** createUserActor on this kernel, by the local operator. */
  user(email: string, roles: string[]): Promise<UserActor>;
}

/**
 * Inside a describe: before its tests, a fresh home, a fresh database on `engine` and a kernel booted
 * as bootModuleKernel boots it; after them, the kernel stopped, the database dropped and the home
 * removed. The fixture's fields are set once its `before` hook has run.
 */
export function useModuleKernel<K extends TestKernel, R extends {name: string}, P extends {cache: string}, A>(
  core: KernelParts<K, R, P, A>,
  engine: EngineName,
  options: ModuleKernelOptions,
): ModuleKernelFixture<K> {
  const fixture = {engine} as ModuleKernelFixture<K>;
  before(async () => {
    fixture.home = await createTempHome();
    fixture.database = await createTestDatabase(engine);
    fixture.kernel = await bootModuleKernel(core, {...options, home: fixture.home, database: fixture.database});
    fixture.user = (email, roles) => createUserActor(fixture.kernel, core.LOCAL_ADMIN, email, roles);
  });
  after(async () => {
    await fixture.kernel?.stop();
    await fixture.database?.drop();
    await fixture.home?.remove();
  });
  return fixture;
}
