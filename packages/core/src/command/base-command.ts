// Subpath imports: the @oclif/core index loads help, ux and a Node version check no command needs.
import {Command} from '@oclif/core/command';
import type {Interfaces} from '@oclif/core';
import type {Actor} from '../actor.js';
import {ExitCode, SystemPromptError, invalidInput, toSystemPromptError, unavailable} from '../errors.js';
import type {ServiceToken} from '../module.js';
import type {MetricsBackend} from '../metrics.js';
import {writeFileAtomic} from '../fs-atomic.js';
import type {Kernel} from '../kernel/kernel.js';
import {readModuleState} from '../kernel/module-state.js';
import {discoverModules, type ModuleRecord, type PluginDescriptor} from '../kernel/discovery.js';
import {resolveSystemPaths, type SystemPaths} from '../paths.js';
import {runBatch, readBatchFile, type BatchResult, type BatchRow} from './batch.js';
import {confirmOrThrow} from './confirm.js';
import {outputFlags} from './flags.js';
import {parseListQuery, type ListFlagValues, type ListQuery, type ListSpec} from './list.js';
import {isInteractiveTerminal, promptFields, type PromptField} from './prompt.js';
import {isFollowResult, type FollowResult} from './follow.js';
import {
  cell,
  columnWidths,
  errorEnvelope,
  renderHuman,
  renderRow,
  renderTable,
  serialize,
  successEnvelope,
  type OutputFormat,
} from './render.js';

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof SystemPromptCommand)['baseFlags'] & T['flags']
>;
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

// oclif's parse errors explain themselves over several lines; the first says what is wrong, unless it
// only introduces a list ("The following errors occurred:"), whose items then make the line.
function firstLine(message: string): string {
  // Removes ANSI colour codes, which start with ESC.
  // eslint-disable-next-line no-control-regex
  const plain = message.replace(/\u001B\[[0-9;]*m/g, '');
  const lines = plain
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  // "Parsing --page" alone says nothing; the reason is on the next line.
  const parsing = /^Parsing (--\S+)$/.exec(lines[0] ?? '');
  if (parsing && lines[1]) return `${parsing[1]}: ${lines[1]}`;
  // "Missing 1 required arg:" is followed by each argument's help line ("user  User id or email."): name them.
  if (/^Missing \d+ required args?:$/.test(lines[0] ?? '') && lines.length > 1) {
    return `${lines[0]} ${lines
      .slice(1)
      .filter((line) => !/^See more help/.test(line))
      .map((line) => line.split(/\s{2,}/)[0])
      .join(', ')}`;
  }
  if (lines[0]?.endsWith(':') && lines.length > 1) {
    return lines
      .slice(1)
      .filter((line) => !/^See more help/.test(line))
      .map((line) => line.replace(/^[-*]\s*/, ''))
      .join('; ');
  }
  return lines[0] ?? message;
}
const PARSE_ERRORS = new Set([
  'FailedFlagValidationError',
  'NonExistentFlagsError',
  'RequiredArgsError',
  'UnexpectedArgsError',
  'ArgInvalidOptionError',
  'FlagInvalidOptionError',
  'CLIParseError',
]);

/**
 * The base of every SystemPrompt OS command. A command's `run()` parses nothing itself: it reads
 * `this.flags`/`this.args`, calls one service method and returns plain data; this class renders
 * it (table, JSON or YAML, to stdout or --output), and maps any error to one line and an exit code.
 */
export abstract class SystemPromptCommand<T extends typeof Command> extends Command {
  static override baseFlags = outputFlags;
  static override enableJsonFlag = false;
  /** Column order for table output of rows. */
  static columns: readonly string[] | undefined;
  /**
   * Least widths of columns of a followed table (--follow, --wait), whose later rows cannot be measured
   * before the first is printed: e.g. `{status: 9}` when statuses run up to "completed".
   */
  static followWidths: Readonly<Record<string, number>> | undefined;

  protected flags!: CommandFlags<T>;
  protected args!: CommandArgs<T>;
  /** Shown on standard error in table mode, and in the envelope's `warnings` otherwise. */
  protected readonly warnings: string[] = [];
  /** Information for people, on standard error in table mode only (e.g. "Nothing to migrate."). */
  protected readonly notices: string[] = [];
  /** Extra fields for the envelope's `meta` (e.g. dryRun). */
  protected readonly meta: Record<string, unknown> = {};
  private exitCodeAfterOutput: number = ExitCode.Ok;
  private kernelInstance: Kernel | undefined;
  private modulesPromise: Promise<ModuleRecord[]> | undefined;
  private pathsValue: SystemPaths | undefined;
  private actorValue: Promise<Actor> | undefined;
  private stopController: AbortController | undefined;

  abstract override run(): Promise<unknown>;

  protected override async _run<R>(): Promise<R> {
    let result: unknown;
    let failure: unknown;
    try {
      await this.init();
      result = await this.run();
      await this.emit(result);
    } catch (error) {
      failure = error;
    } finally {
      await this.shutdown();
    }
    if (failure !== undefined) await this.fail(failure);
    if (this.exitCodeAfterOutput !== ExitCode.Ok) this.exit(this.exitCodeAfterOutput);
    return result as R;
  }

  protected override async init(): Promise<void> {
    await super.init();
    const ctor = this.ctor as typeof SystemPromptCommand;
    const {flags, args} = await this.parse({
      flags: ctor.flags,
      baseFlags: ctor.baseFlags,
      args: ctor.args,
      strict: ctor.strict,
      enableJsonFlag: false,
    });
    this.flags = flags as CommandFlags<T>;
    this.args = args as CommandArgs<T>;
    // Before any work: a result that cannot be written would be lost after the change was made.
    if (this.flags.output) await checkOutputTarget(this.flags.output);
    await this.checkModules();
  }

  // ---- output ---------------------------------------------------------------------------------

  protected get format(): OutputFormat {
    const flags = this.flags as Partial<CommandFlags<typeof SystemPromptCommand>> | undefined;
    if (flags) return flags.json ? 'json' : (flags.format ?? 'table');
    // Parsing failed: read the wish from the raw arguments so the error comes in the same form.
    const argv = this.argv;
    if (argv.includes('--json')) return 'json';
    const index = argv.findIndex((arg) => arg === '--format' || arg.startsWith('--format='));
    const value = index < 0 ? undefined : argv[index]!.includes('=') ? argv[index]!.split('=')[1] : argv[index + 1];
    return value === 'json' || value === 'yaml' ? value : 'table';
  }

  private get verbose(): boolean {
    return this.flags
      ? Boolean((this.flags as {verbose?: boolean}).verbose)
      : this.argv.includes('--verbose') || this.argv.includes('-v');
  }

  /**
   * Aborted when the user stops the command (Ctrl-C, SIGTERM): a command that follows a stream passes
   * it to the service, whose stream then ends, and the command finishes like any other.
   */
  protected get stopSignal(): AbortSignal {
    if (!this.stopController) {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      this.stopController = controller;
    }
    return this.stopController.signal;
  }

  private async emit(result: unknown): Promise<void> {
    if (isFollowResult(result)) return this.emitFollow(result);
    const flags = this.flags as CommandFlags<typeof SystemPromptCommand>;
    const format = this.format;
    let text: string;
    const notes = [...this.warnings.map((warning) => `Warning: ${warning}`)];
    if (format === 'table') {
      const columns = (this.ctor as typeof SystemPromptCommand).columns;
      const width = process.stdout.isTTY && !flags.output ? process.stdout.columns : undefined;
      const pageable = 'page' in ((this.ctor as typeof SystemPromptCommand).flags ?? {});
      const human = renderHuman(result, {...(columns ? {columns} : {}), ...(width ? {width} : {}), pageable});
      text = human.text;
      notes.push(...human.notes, ...this.notices);
    } else {
      text = await serialize(successEnvelope(result, this.warnings, this.meta), format);
    }
    if (flags.output) {
      // Owner-only: some results (a token, an API key, exported secrets) are secrets themselves.
      await writeFileAtomic(flags.output, text, {mode: 0o600});
      if (!flags.quiet) notes.push(`Wrote ${flags.output}`);
    } else if (!flags.quiet || format !== 'table') {
      await write(process.stdout, text);
    }
    if (!flags.quiet && format === 'table' && notes.length > 0) await write(process.stderr, notes.join('\n') + '\n');
  }

  /**
   * Prints what is there and then each new item as it arrives: table rows aligned to the first ones,
   * or one envelope per line (NDJSON) with --json (YAML documents with --format yaml). --output
   * writes the same to the file (owner-only) as it comes; --quiet keeps a table off stdout.
   */
  private async emitFollow(result: FollowResult<unknown>): Promise<void> {
    const flags = this.flags as CommandFlags<typeof SystemPromptCommand>;
    const format = this.format;
    const objects = (items: readonly unknown[]) => items as ReadonlyArray<Record<string, unknown>>;
    const ctor = this.ctor as typeof SystemPromptCommand;
    const columns = ctor.columns ?? Object.keys(objects(result.initial)[0] ?? {});
    let widths = columnWidths(objects(result.initial), columns).map((width, index) =>
      Math.max(width, ctor.followWidths?.[columns[index]!] ?? 0),
    );
    let first = true;
    const render = async (item: unknown): Promise<string> => {
      const envelope = successEnvelope(item, first ? this.warnings : []);
      first = false;
      return format === 'json' ? `${JSON.stringify(envelope)}\n` : `---\n${await serialize(envelope, 'yaml')}`;
    };
    const file = flags.output ? await (await import('node:fs/promises')).open(flags.output, 'w', 0o600) : undefined;
    const out = async (text: string) =>
      file
        ? void (await file.write(text))
        : !flags.quiet || format !== 'table'
          ? write(process.stdout, text)
          : undefined;
    try {
      if (format === 'table') {
        if (this.warnings.length > 0 && !flags.quiet)
          await write(process.stderr, `${this.warnings.map((warning) => `Warning: ${warning}`).join('\n')}\n`);
        if (result.initial.length > 0) await out(renderTable(objects(result.initial), {columns}));
      } else {
        for (const item of result.initial) await out(await render(item));
      }
      for await (const item of result.stream) {
        if (format !== 'table') await out(await render(item));
        else {
          // Rows already printed cannot be widened: a wider cell widens its column from its own row on.
          widths = widths.map((width, index) =>
            Math.max(width, cell((item as Record<string, unknown>)[columns[index]!]).length),
          );
          await out(renderRow(item as Record<string, unknown>, columns, widths));
        }
      }
    } finally {
      await file?.close();
    }
    if (flags.output && !flags.quiet) await write(process.stderr, `Wrote ${flags.output}\n`);
  }

  private async fail(error: unknown): Promise<never> {
    const failure = classify(error);
    if (this.format === 'table') {
      const lines = [failure.message];
      if (failure.hint) lines.push(`Hint: ${failure.hint}`);
      if (this.verbose && failure.cause instanceof Error && failure.cause.stack) lines.push(failure.cause.stack);
      else if (this.verbose && failure.stack) lines.push(failure.stack);
      await write(process.stderr, lines.join('\n') + '\n');
    } else {
      await write(
        process.stdout,
        await serialize(errorEnvelope(failure, this.warnings), this.format === 'yaml' ? 'yaml' : 'json'),
      );
    }
    this.exit(failure.exitCode);
  }

  // ---- modules and services -----------------------------------------------------------------

  protected get paths(): SystemPaths {
    this.pathsValue ??= resolveSystemPaths({
      configDir: this.config.configDir,
      dataDir: this.config.dataDir,
      cacheDir: this.config.cacheDir,
    });
    return this.pathsValue;
  }

  /** Every module among the loaded plugins (discovered once per command). */
  protected modules(): Promise<ModuleRecord[]> {
    this.modulesPromise ??= (() => {
      const state = readModuleState(this.paths.config);
      if (state.problem) this.warnings.push(state.problem);
      return discoverModules(
        this.config.getPluginsList() as unknown as PluginDescriptor[],
        this.paths.cache,
        state.disabled,
      );
    })();
    return this.modulesPromise;
  }

  /** The module this command belongs to, if its plugin is a module. */
  protected async ownModule(): Promise<ModuleRecord | undefined> {
    const pluginName = this.ctor.plugin?.name ?? this.config.findCommand(this.id ?? '')?.pluginName;
    return (await this.modules()).find((record) => record.packageName === pluginName);
  }

  /** A broken module's own commands refuse to run; every other command warns about it and works. */
  private async checkModules(): Promise<void> {
    const own = await this.ownModule();
    if (own?.error) throw own.error;
    if (own && !own.enabled) {
      throw unavailable(`Module "${own.name}" is disabled`, {
        code: 'MODULE_DISABLED',
        details: {module: own.name},
        hint: `Enable it with "${this.config.bin} modules:enable ${own.name}".`,
      });
    }
    for (const record of await this.modules())
      if (record.error && record !== own) this.warnings.push(record.error.message);
  }

  /** The kernel, created on first use; it boots nothing until asked. */
  protected async kernel(): Promise<Kernel> {
    this.kernelInstance ??= await this.newKernel();
    return this.kernelInstance;
  }

  /**
   * The command's kernel with every enabled module booted, as in the server: for commands whose work
   * reaches every module's tools (mcp:tools:*, a workflow run in this process).
   */
  protected async kernelWithEnabledModules(): Promise<Kernel> {
    const kernel = await this.kernel();
    const enabled = (await this.modules()).filter((record) => !record.error && record.enabled !== false);
    await kernel.boot(enabled.map((record) => record.name));
    return kernel;
  }

  /**
   * A kernel over the installed modules with their layered configuration (schema defaults <
   * config.yaml < environment and env file < runtime settings; --verbose on top). The caller stops it;
   * `kernel()` gives the command's own, stopped when the command ends.
   */
  protected async newKernel(modules?: ModuleRecord[]): Promise<Kernel> {
    // Imported here: commands that need no module services never load the kernel.
    const {createCliKernel} = await import('../kernel/cli-access.js');
    return createCliKernel({
      modules: modules ?? (await this.modules()),
      paths: this.paths,
      verbose: this.verbose,
      onWarning: (message) => this.warnings.push(message),
      ...this.kernelOptions(),
    });
  }

  /** What a command adds to its kernels (the server plugs in its metrics registry). */
  protected kernelOptions(): {metrics?: MetricsBackend} {
    return {};
  }

  /**
   * Who runs this command: the module that `provides: [identity]` decides (session file,
   * SYSTEMPROMPT_API_KEY, or the local operator under auth.localTrust); with no such module installed,
   * the local operator. Commands pass it to the service, which checks its permissions.
   */
  protected async actor(): Promise<Actor> {
    this.actorValue ??= (async () => {
      const {resolveCliActor} = await import('../kernel/cli-access.js');
      return resolveCliActor(await this.kernel());
    })();
    return this.actorValue;
  }

  /** Names of the permissions the installed modules declare (for refusing ones that do not exist). */
  protected async declaredPermissions(): Promise<Set<string>> {
    const {declaredPermissions} = await import('../kernel/permission-catalog.js');
    return new Set(declaredPermissions(await this.modules()).map((permission) => permission.name));
  }

  /** Boots the token's module (this command's own, or one its module depends on) and returns its service. */
  protected async service<S>(token: ServiceToken<S>): Promise<S>;
  /** Without a token: the command's own module's service (as written before tokens, and in JavaScript). */
  protected async service<S = unknown>(): Promise<S>;
  protected async service<S>(token?: ServiceToken<S>): Promise<S> {
    const own = await this.ownModule();
    const name = token?.module ?? own?.name;
    if (!name) throw invalidInput(`Command ${this.id} does not belong to a module`, {code: 'NO_MODULE'});
    // A command reaches its own module's service and those its module declares in module.yaml, as the
    // module itself does through its context: a dependency that is not declared would not be booted first.
    if (own && name !== own.name && !own.manifest?.dependencies?.includes(name)) {
      throw new SystemPromptError(
        `Command ${this.id} of module "${own.name}" uses "${name}" without declaring it in module.yaml dependencies`,
        {
          code: 'MODULE_DEPENDENCY_UNDECLARED',
          exitCode: ExitCode.Unexpected,
          details: {module: own.name, dependency: name},
        },
      );
    }
    const kernel = await this.kernel();
    await kernel.boot([name]);
    return kernel.service<S>(name);
  }

  private async shutdown(): Promise<void> {
    const kernel = this.kernelInstance;
    this.kernelInstance = undefined;
    if (!kernel) return;
    try {
      await kernel.stop();
    } catch (error) {
      this.warnings.push(`Shutdown: ${toSystemPromptError(error).message}`);
    }
  }

  // ---- helpers for commands -----------------------------------------------------------------

  /** Ends the command with `code` once its result is printed (a report that says "unhealthy", exit 6). */
  protected exitAfterOutput(code: number): void {
    this.exitCodeAfterOutput = code;
  }

  /** Asks before a dangerous action; refuses without --confirm when nobody can be asked. */
  protected async confirmAction(question: string): Promise<void> {
    const flags = this.flags as {confirm?: boolean; 'dry-run'?: boolean};
    if (flags['dry-run']) return;
    await confirmOrThrow({
      question,
      confirmed: Boolean(flags.confirm),
      machineOutput: this.format !== 'table',
      interactiveTerminal: isInteractiveTerminal(),
    });
  }

  /** The list flags checked against the fields this list really has. */
  protected listQuery(spec: ListSpec): ListQuery {
    return parseListQuery(this.flags as ListFlagValues, spec);
  }

  /**
   * Runs `action` for every row of the --batch file and reports each row. When any row failed the
   * command exits 2 after printing the report (each row's own code and exit code are in it): one
   * code for "some rows failed", whatever the mix of reasons.
   */
  protected async batch<R>(
    file: string,
    action: (row: BatchRow, index: number) => Promise<R>,
  ): Promise<BatchResult<R>> {
    const result = await runBatch(await readBatchFile(file), action);
    if (result.failed > 0) this.exitCodeAfterOutput = ExitCode.InvalidInput;
    return result;
  }

  /** Guided input for --interactive. */
  protected prompt(fields: readonly PromptField[]): Promise<Record<string, string | boolean>> {
    return promptFields(fields);
  }
}

/** Parse errors of oclif become exit 2 with their first line; everything else keeps its own code. */
function classify(error: unknown): SystemPromptError {
  const name = (error as {constructor?: {name?: string}})?.constructor?.name ?? '';
  const oclif = (error as {oclif?: {exit?: number}}).oclif;
  if (error instanceof Error && (PARSE_ERRORS.has(name) || (oclif?.exit === 2 && !('exitCode' in error)))) {
    return invalidInput(firstLine(error.message), {
      code: 'INVALID_USAGE',
      hint: 'See --help for the usage.',
      cause: error,
    });
  }
  return toSystemPromptError(error);
}

/** --output must name a file in an existing directory (never a directory, never created silently). */
async function checkOutputTarget(file: string): Promise<void> {
  const {stat} = await import('node:fs/promises');
  const {dirname, resolve} = await import('node:path');
  const target = await stat(file).catch(() => undefined);
  if (target?.isDirectory())
    throw invalidInput(`--output ${file} is a directory`, {
      code: 'OUTPUT_IS_DIRECTORY',
      hint: 'Name a file, e.g. --output ' + `${file.replace(/\/+$/, '')}/result.json.`,
    });
  const parent = dirname(resolve(file));
  const directory = await stat(parent).catch(() => undefined);
  if (!directory)
    throw invalidInput(`--output ${file}: the directory ${parent} does not exist`, {
      code: 'OUTPUT_DIRECTORY_MISSING',
      hint: `Create it first (mkdir -p ${parent}).`,
    });
  if (!directory.isDirectory())
    throw invalidInput(`--output ${file}: ${parent} is not a directory`, {code: 'OUTPUT_DIRECTORY_MISSING'});
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  if (text === '') return Promise.resolve();
  return new Promise((resolve) => stream.write(text, () => resolve()));
}
