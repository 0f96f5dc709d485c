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
  /** How the actor proved who it is. */
  via: 'session' | 'api-key' | 'token' | 'local-trust' | 'system' | 'none';
  /** Restricts a user's permissions further (an API key's or token's scopes); undefined: no restriction. */
  scopes?: string[];
  /** The API key or token id, for usage records. */
  credentialId?: string;
}

/** The local operator with no session, trusted while auth.localTrust is on. */
export const LOCAL_ADMIN: Actor = Object.freeze({kind: 'local', id: 'local-admin', label: 'local-admin', via: 'local-trust'}) as Actor;

/** Nobody signed in while auth.localTrust is off: holds no permission. */
export const ANONYMOUS: Actor = Object.freeze({kind: 'anonymous', id: 'anonymous', label: 'anonymous', via: 'none'}) as Actor;

export const SYSTEM_ACTOR: Actor = Object.freeze({kind: 'system', id: 'system', label: 'system', via: 'system'}) as Actor;

/** The `access` member of the service of a module that `provides: [access]`: the one access decision (exit 4 when denied, audited). */
export interface AccessProvider {
  authorize(actor: Actor, permission: string, action: string, target?: string | null): Promise<void>;
}

/** What a module that `provides: [identity]` publishes: it says who runs a command. */
export interface IdentityProvider {
  /** The actor of a CLI command: its session file, SYSTEMPROMPT_API_KEY, or the local operator. */
  resolveCliActor(input: {env: NodeJS.ProcessEnv}): Promise<Actor>;
}
