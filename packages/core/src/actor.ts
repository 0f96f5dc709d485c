import {permissionDenied} from './errors.js';

/**
 * Who performs an action. Services take an actor, check its permissions and write it into the audit
 * log; the same actor type serves the CLI, the HTTP API and MCP.
 */
export interface Actor {
  /**
   * `user`: a signed-in user (session, API key or token); `local`: the local operator under
   * auth.localTrust; `system`: the system itself; `anonymous`: nobody signed in, and local trust off.
   */
  kind: 'user' | 'local' | 'system' | 'anonymous';
  /** The user id, or `local-admin` / `system`. */
  id: string;
  /** What the audit log shows: the user's email, `local-admin` or `system`. */
  label: string;
  /** How the actor proved who it is (`agent`: an agent acting as the user, bounded by their permissions). */
  via: 'session' | 'api-key' | 'token' | 'local-trust' | 'system' | 'agent' | 'none';
  /** Restricts a user's permissions further (an API key's or token's scopes); undefined: no restriction. */
  scopes?: string[];
  /** The API key or token id, for usage records. */
  credentialId?: string;
}

/** The local operator with no session, trusted while auth.localTrust is on. */
export const LOCAL_ADMIN: Actor = Object.freeze({
  kind: 'local',
  id: 'local-admin',
  label: 'local-admin',
  via: 'local-trust',
});

/** Nobody signed in while auth.localTrust is off: holds no permission. */
export const ANONYMOUS: Actor = Object.freeze({kind: 'anonymous', id: 'anonymous', label: 'anonymous', via: 'none'});

export const SYSTEM_ACTOR: Actor = Object.freeze({kind: 'system', id: 'system', label: 'system', via: 'system'});

/** One record of the audit log: who did what to what, with which permission, and how it ended. */
export interface AuditEntry {
  /** `module.verb`, e.g. `config.set`, `database.query`. */
  action: string;
  target?: string | null;
  result: 'ok' | 'denied' | 'failed';
  permission?: string | null;
  /** Structured facts about the change (never secrets). */
  details?: Record<string, unknown>;
}

export interface RecordOptions {
  deferred?: boolean;
}

/**
 * The one access decision and the audit log, as every module sees them: the `access` member of the
 * service of the module that `provides: [access]` (the users module). Services get it from
 * `context.access()` and check the actor before they look anything up.
 */
export interface AccessProvider {
  /** Throws exit 4 unless the actor holds `permission`; a denial is audited with `action` and `target`. */
  authorize(actor: Actor, permission: string, action: string, target?: string | null): Promise<void>;
  /** Whether the actor holds `permission` (no audit record). */
  holds(actor: Actor, permission: string): Promise<boolean>;
  /**
   * Writes a record to the audit log (a change made, or one that failed). `deferred`: the caller does
   * not wait for it on its answer's path (an MCP call's record), so it may join a later, larger batch.
   */
  record(actor: Actor, entry: AuditEntry, options?: RecordOptions): Promise<void>;
}

/** What a module that `provides: [identity]` publishes: it says who runs a command. */
export interface IdentityProvider {
  /** The actor of a CLI command: its session file, SYSTEMPROMPT_API_KEY, or the local operator. */
  resolveCliActor(input: {env: NodeJS.ProcessEnv}): Promise<Actor>;
}

/**
 * The access decision when no module provides one (an installation without the users module): there
 * are no users then, so only the local operator and the system itself may act, and nothing is audited.
 */
export const LOCAL_ONLY_ACCESS: AccessProvider = Object.freeze({
  holds: async (actor: Actor) => actor.kind === 'local' || actor.kind === 'system',
  async authorize(actor: Actor, permission: string) {
    if (actor.kind === 'local' || actor.kind === 'system') return;
    throw permissionDenied(`${actor.label} may not act: ${permission} is required and no access module is installed`, {
      details: {permission, actor: actor.label},
    });
  },
  record: async () => {},
});

/**
 * Asks the person at the terminal before a dangerous change (the command's confirmation prompt).
 * Services call it after the permission check and the look-ups, so a refusal or "not found" comes
 * first and a caller without a terminal (HTTP, MCP) passes none.
 */
export type ConfirmStep = (question: string) => Promise<void>;
