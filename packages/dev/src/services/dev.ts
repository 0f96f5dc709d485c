import {existsSync} from 'node:fs';
import type {AccessProvider, Actor} from '@systemprompt/core';
import {debugCommand, profileCommand, type CliTarget, type DebugResult, type ProfileResult} from './cli-run.js';
import {formatPackage, type FormatReport} from './format.js';
import {lintPackage, type LintReport} from './lint.js';
import {checkDatabaseUrl, runModuleTests, type TestOptions, type TestRun} from './module-tests.js';
import {findPackage} from './package-dir.js';
import {replScope, type BootedKernel, type ReplScope} from './repl.js';
import {watchPackage, type WatchEvent, type WatchOptions} from './watch.js';

export type {Relay} from './child.js';

/** The one permission of the dev module: every dev:* command runs code as the current user. */
export const DEV_PERMISSION = 'dev:run';
/** Linking a package into the CLI installs its code, as plugins:link does. */
const LINK_PERMISSION = 'modules:write';

/**
 * The developer's tools behind dev:*. Each method takes the actor first and checks dev:run before it
 * reads or runs anything (a refusal is audited by the access decision), so a caller other than the CLI
 * gets the same answer.
 */
export class DevService {
  constructor(private readonly access: () => Promise<AccessProvider>) {}

  private async authorize(actor: Actor, action: string, target: string | null = null): Promise<AccessProvider> {
    const access = await this.access();
    await access.authorize(actor, DEV_PERMISSION, `dev.${action}`, target);
    return access;
  }

  /** The REPL's scope: boots every enabled module (`boot`) only once the actor may run it. */
  async repl(actor: Actor, boot: () => Promise<BootedKernel>): Promise<{scope: ReplScope; names: string[]}> {
    await this.authorize(actor, 'repl');
    return replScope(await boot(), actor);
  }

  async debug(actor: Actor, target: CliTarget, options: Parameters<typeof debugCommand>[1]): Promise<DebugResult> {
    await this.authorize(actor, 'debug', target.argv.join(' '));
    return debugCommand(target, options);
  }

  async profile(actor: Actor, target: CliTarget, options: {file: string; top: number}): Promise<ProfileResult> {
    await this.authorize(actor, 'profile', target.argv.join(' '));
    return profileCommand(target, options);
  }

  /**
   * The module package at or above `path` (default: the current directory), or, when no such path
   * exists, the installed module of that name (`installed` lists them).
   */
  async test(
    actor: Actor,
    path: string | undefined,
    options: Omit<TestOptions, 'root'> & {installed?: () => Promise<ReadonlyArray<{name: string; root: string}>>},
  ): Promise<{root: string; runs: TestRun[]}> {
    await this.authorize(actor, 'test', path ?? null);
    checkDatabaseUrl(options.databaseUrl);
    const named =
      path && !existsSync(path) && options.installed
        ? (await options.installed()).find((module) => module.name === path)?.root
        : undefined;
    const root = named ?? findPackage(path ?? process.cwd());
    return {root, runs: await runModuleTests({...options, root})};
  }

  /** Lints the package at or above `path` (module.yaml or package.json). */
  async lint(actor: Actor, path: string, options: {fix?: boolean} = {}): Promise<LintReport> {
    await this.authorize(actor, 'lint', path);
    return lintPackage(findPackage(path, {anyPackage: true}), options);
  }

  /** Formats the package at or above `path` (module.yaml or package.json). */
  async format(actor: Actor, path: string, options: {check?: boolean} = {}): Promise<FormatReport> {
    await this.authorize(actor, 'format', path);
    return formatPackage(findPackage(path, {anyPackage: true}), options);
  }

  /**
   * Builds and watches the package; links it into the CLI after its first good build. Needs
   * modules:write on top of dev:run (checked here, before the first build); the link is audited.
   */
  async watch(
    actor: Actor,
    path: string,
    options: Omit<WatchOptions, 'link'> & {link: (root: string) => Promise<string>},
  ): Promise<{root: string; events: AsyncGenerator<WatchEvent>}> {
    const access = await this.authorize(actor, 'watch', path);
    await access.authorize(actor, LINK_PERMISSION, 'dev.link', path);
    const root = findPackage(path);
    const events = watchPackage(root, {
      ...options,
      link: async () => {
        const linked = await options.link(root);
        await access.record(actor, {action: 'dev.link', target: root, result: 'ok', permission: LINK_PERMISSION});
        return linked;
      },
    });
    return {root, events};
  }
}
