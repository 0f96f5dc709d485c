import {spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {existsSync} from 'node:fs';
import {
  SYSTEM_ACTOR,
  permissionDenied,
  permissionsCover,
  permissionCovers,
  unavailable,
  type Actor,
  type Logger,
  type SystemPaths,
} from '@systemprompt/core';
import type {ApiModuleApi} from '@systemprompt/api';
import type {UsersApi} from '@systemprompt/users';

/** How much of a command's output a tick keeps. */
export const OUTPUT_HEAD_BYTES = 4000;
/** The most scopes an API key takes (the api module's limit). */
const MAX_KEY_SCOPES = 50;
const KILL_AFTER_MS = 5000;

export interface CommandOutcome {
  exitCode: number | null;
  /** The head of standard output and error, as they came. */
  output: string;
  /** Why it did not finish by itself: a timeout, a signal, the server stopping. */
  interrupted?: string;
}

export interface CommandRunnerSettings {
  /** The CLI entry to run (bin/run.js); empty: the one this process was started from. */
  cli: string;
  timeoutMs: number;
  paths: SystemPaths;
}

/**
 * Runs a command target: this installation's CLI as a child process (no shell), acting as the
 * schedule's owner. A user owner gets a temporary API key, minted for the run and revoked after it:
 * scopes = what the user holds now (within the scopes the schedule was created under), expiring in a
 * day at the latest, so the child gets neither more than the owner may do nor a credential that outlives
 * the run. The local operator runs as the local operator (the child resolves it as any CLI on this host does).
 */
export class CommandRunner {
  constructor(
    private readonly settings: CommandRunnerSettings,
    private readonly users: UsersApi,
    private readonly api: () => ApiModuleApi,
    private readonly logger: Logger,
  ) {}

  /** The CLI entry; exit 6 when it is not a file. */
  cliEntry(): string {
    const entry = this.settings.cli.trim() || process.argv[1] || '';
    if (!entry || !existsSync(entry))
      throw unavailable(`The CLI to run commands with was not found${entry ? ` at ${entry}` : ''}`, {
        code: 'SCHEDULER_CLI_MISSING',
      });
    return entry;
  }

  async run(
    argv: readonly string[],
    owner: Actor,
    context: {schedule: string; tickAt: string; signal: AbortSignal},
  ): Promise<CommandOutcome> {
    const cli = this.cliEntry();
    const env: NodeJS.ProcessEnv = {...process.env};
    // The child acts as the owner, never as whoever started this process, nor as a server child.
    for (const name of ['SYSTEMPROMPT_API_KEY', 'SYSTEMPROMPT_DETACHED', 'SYSTEMPROMPT_SUPERVISED']) delete env[name];
    // The same installation as this process, whatever the child's defaults would be.
    if (this.settings.paths.home) env.SYSTEMPROMPT_HOME = this.settings.paths.home;
    let key: {id: string; key: string} | undefined;
    if (owner.kind === 'user') {
      key = await this.mintKey(owner, context);
      env.SYSTEMPROMPT_API_KEY = key.key;
    } else if (owner.kind === 'anonymous') {
      throw permissionDenied('A schedule owned by nobody cannot run a command', {code: 'SCHEDULE_OWNER_UNUSABLE'});
    }
    try {
      return await this.spawnCli(cli, argv, env, context.signal);
    } finally {
      if (key) await this.revoke(key.id);
    }
  }

  /**
   * The key's scopes: everything the owner holds (`*` when they hold it), narrowed to the scopes of the
   * credential the schedule was created with, if it had any. The api module checks each against what the
   * owner holds now, so a disabled owner, or one who lost a permission, is refused here (exit 4).
   */
  private async mintKey(owner: Actor, context: {schedule: string; tickAt: string}): Promise<{id: string; key: string}> {
    const held = [...new Set((await this.users.access.holdings(owner.id)).map((holding) => holding.permission))].sort();
    let scopes = held.includes('*') ? ['*'] : held;
    if (owner.scopes) {
      const within = new Set<string>();
      for (const scope of owner.scopes) {
        if (permissionsCover(held, scope)) within.add(scope);
        else for (const permission of held) if (permissionCovers(scope, permission)) within.add(permission);
      }
      scopes = [...within].sort();
    }
    if (scopes.length === 0)
      throw permissionDenied(`${owner.label} holds no permission to run the command with`, {
        code: 'SCHEDULE_OWNER_UNUSABLE',
      });
    if (scopes.length > MAX_KEY_SCOPES)
      throw permissionDenied(
        `${owner.label} holds ${scopes.length} permissions; a key carries at most ${MAX_KEY_SCOPES}`,
        {
          code: 'SCHEDULE_OWNER_UNUSABLE',
          hint: 'Grant the owner a role with wildcards (e.g. users:*) instead of many single permissions.',
        },
      );
    const name = `scheduler ${context.schedule.slice(0, 40)} ${context.tickAt} ${randomBytes(3).toString('hex')}`;
    const created = await this.api().keys.create(SYSTEM_ACTOR, {user: owner.id, name, scopes, expiresInDays: 1});
    if (!('key' in created)) throw new Error('The api module returned no key');
    return {id: created.id, key: created.key};
  }

  private async revoke(id: string): Promise<void> {
    try {
      await this.api().keys.revoke(SYSTEM_ACTOR, id);
    } catch (error) {
      // It expires within a day anyway; say so rather than fail a command that ran.
      this.logger.warn(
        {err: error, key: id},
        'Revoking the temporary API key of a scheduled command failed; it expires within a day',
      );
    }
  }

  /** Runs the CLI with `argv`, keeping the head of its output; stops it at the timeout or when `signal` aborts. */
  private spawnCli(
    cli: string,
    argv: readonly string[],
    env: NodeJS.ProcessEnv,
    signal: AbortSignal,
  ): Promise<CommandOutcome> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [cli, ...argv], {env, stdio: ['ignore', 'pipe', 'pipe']});
      const head: Buffer[] = [];
      let kept = 0;
      const keep = (chunk: Buffer) => {
        if (kept >= OUTPUT_HEAD_BYTES) return;
        const part = chunk.subarray(0, OUTPUT_HEAD_BYTES - kept);
        head.push(part);
        kept += part.length;
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      let interrupted: string | undefined;
      let killer: NodeJS.Timeout | undefined;
      const stop = (reason: string) => {
        if (interrupted) return;
        interrupted = reason;
        child.kill('SIGTERM');
        killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
        killer.unref();
      };
      const timer = setTimeout(
        () => stop(`timed out after ${Math.round(this.settings.timeoutMs / 1000)} s`),
        this.settings.timeoutMs,
      );
      const onAbort = () =>
        stop(`stopped: ${signal.reason instanceof Error ? signal.reason.message : 'the run was aborted'}`);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, {once: true});
      child.once('error', (error) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        reject(error);
      });
      child.once('close', (code, signalName) => {
        clearTimeout(timer);
        if (killer) clearTimeout(killer);
        signal.removeEventListener('abort', onAbort);
        const output = Buffer.concat(head).toString('utf8');
        resolve({
          exitCode: code,
          output,
          ...(interrupted ? {interrupted} : signalName ? {interrupted: `ended by ${signalName}`} : {}),
        });
      });
    });
  }
}
