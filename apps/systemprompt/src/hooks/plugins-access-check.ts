import type {Interfaces} from '@oclif/core';
import type {AccessProvider, Actor, SystemPromptError} from '@systemprompt/core';

/** What each plugins command needs. Unknown plugins:* commands need modules:write (closed by default). */
const RULES: Record<string, {permission: string; change: boolean}> = {
  plugins: {permission: 'modules:read', change: false},
  'plugins:inspect': {permission: 'modules:read', change: false},
  'plugins:install': {permission: 'modules:write', change: true},
  'plugins:link': {permission: 'modules:write', change: true},
  'plugins:uninstall': {permission: 'modules:write', change: true},
  'plugins:update': {permission: 'modules:write', change: true},
  'plugins:reset': {permission: 'modules:write', change: true},
};
const ruleOf = (id: string) => RULES[id] ?? {permission: 'modules:write', change: true};

/** `plugins:install` is audited as `plugins.install`, `plugins` (the list) as `plugins.list`. */
const actionOf = (id: string) => (id === 'plugins' ? 'plugins.list' : id.replace(':', '.').replaceAll(':', '-'));

/** Credentials in URLs (https://user:token@host/...) never reach the audit log. */
const redact = (text: string) => text.replace(/(\/\/)[^/@\s]*@/g, '$1***@');

/** The plugins named on the command line: its arguments without the flags. */
const targetOf = (argv: readonly string[]) => redact(argv.filter((arg) => !arg.startsWith('-')).join(' ')) || null;

interface Pending {
  id: string;
  target: string | null;
}

/** One process's access decision, kept open from the first plugins command until the process's command ends. */
interface Session {
  actor: Actor;
  access: AccessProvider;
  close(): Promise<void>;
  pending: Pending[];
}

const SESSION = Symbol.for('systemprompt.pluginsAccess');
const store = globalThis as {[SESSION]?: Session};

async function session(config: Interfaces.Config): Promise<Session> {
  if (store[SESSION]) return store[SESSION];
  const {openCliAccess} = await import('@systemprompt/core/kernel');
  const opened = await openCliAccess(config, {onWarning: (message) => process.stderr.write(`Warning: ${message}\n`)});
  store[SESSION] = {...opened, pending: []};
  return store[SESSION];
}

async function closeSession(): Promise<void> {
  const current = store[SESSION];
  delete store[SESSION];
  await current?.close();
}

async function printFailure(failure: SystemPromptError, argv: readonly string[]): Promise<void> {
  const {errorEnvelope} = await import('@systemprompt/core');
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(errorEnvelope(failure, []), null, 2)}\n`);
  else process.stderr.write(`${failure.message}\n${failure.hint ? `Hint: ${failure.hint}\n` : ''}`);
}

/** Prints the refusal as every systemprompt command does (one line and a hint, or the JSON envelope), then exits with its code. */
async function refuse(failure: SystemPromptError, argv: readonly string[]): Promise<never> {
  await printFailure(failure, argv);
  // oclif rethrows a hook's error only when it carries an exit code, and prints nothing more for it.
  throw Object.assign(new Error(failure.message), {
    code: failure.code,
    oclif: {exit: failure.exitCode},
    skipOclifErrorHandling: true,
    systempromptPluginsRefusal: true,
  });
}

/** A plugins command that ran but whose outcome is refused (an install guard): printed the same way, audited as failed. */
export async function failPluginsCommand(error: unknown, argv: readonly string[]): Promise<never> {
  const failure = (await import('@systemprompt/core')).toSystemPromptError(error);
  await printFailure(failure, argv);
  throw Object.assign(new Error(failure.message), {
    code: failure.code,
    oclif: {exit: failure.exitCode},
    skipOclifErrorHandling: true,
  });
}

export async function authorizePluginsCommand(
  config: Interfaces.Config,
  id: string,
  argv: readonly string[],
): Promise<void> {
  const {toSystemPromptError} = await import('@systemprompt/core');
  // The list names no plugin: "may not list plugins" reads better than "may not list".
  const target = targetOf(argv) ?? (id === 'plugins' ? 'plugins' : null);
  try {
    const current = await session(config);
    // The access decision writes the refusal to the audit log.
    await current.access.authorize(current.actor, ruleOf(id).permission, actionOf(id), target);
    current.pending.push({id, target});
  } catch (error) {
    if (!store[SESSION]?.pending.length) await closeSession().catch(() => undefined);
    await refuse(toSystemPromptError(error), argv);
  }
}

/** A plugins command that changed something succeeded: its audit record, with the real actor. */
export async function recordPluginsOutcome(id: string): Promise<void> {
  const current = store[SESSION];
  const index = current?.pending.findLastIndex((entry) => entry.id === id) ?? -1;
  if (!current || index < 0) return;
  const [entry] = current.pending.splice(index, 1);
  if (ruleOf(id).change) await recordOk(current, entry!);
}

async function recordOk(current: Session, entry: Pending): Promise<void> {
  try {
    await current.access.record(current.actor, {
      action: actionOf(entry.id),
      target: entry.target,
      result: 'ok',
      permission: ruleOf(entry.id).permission,
    });
  } catch (failure) {
    // The change is made; a lost audit record is said, never hidden (oclif would swallow a hook's error).
    process.stderr.write(
      `Warning: the audit record of ${entry.id} could not be written: ${failure instanceof Error ? failure.message : String(failure)}\n`,
    );
  }
}

/** The process's command ended: plugins commands still pending failed; the access decision is closed. */
export async function finishPluginsCommands(error: Error | undefined): Promise<void> {
  const current = store[SESSION];
  if (!current) return;
  try {
    // A refusal was audited as such by the access decision.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- widens Error with oclif's fields
    const ended = error as (Error & {systempromptPluginsRefusal?: boolean; oclif?: {exit?: number}}) | undefined;
    // A command that ends with this.exit(0) succeeded without reaching postrun.
    if (ended?.oclif?.exit === 0) {
      for (const entry of current.pending.filter((pending) => ruleOf(pending.id).change))
        await recordOk(current, entry);
    } else if (!ended?.systempromptPluginsRefusal) {
      const reason = redact((error?.message ?? 'did not finish').split('\n')[0]!.trim());
      for (const entry of current.pending.filter((pending) => ruleOf(pending.id).change)) {
        await current.access.record(current.actor, {
          action: actionOf(entry.id),
          target: entry.target,
          result: 'failed',
          permission: ruleOf(entry.id).permission,
          details: {error: reason},
        });
      }
    }
  } catch (failure) {
    // The command's own outcome stands; a lost audit record is said, never hidden.
    process.stderr.write(
      `Warning: the audit record of ${current.pending.map((entry) => entry.id).join(', ')} could not be written: ${failure instanceof Error ? failure.message : String(failure)}\n`,
    );
  } finally {
    await closeSession().catch(() => undefined);
  }
}
