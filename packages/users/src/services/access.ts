import {permissionDenied, permissionMatches, type AccessProvider, type Actor, type AuditEntry} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import {Grant, Membership, RolePermission, User} from '../entities.js';
import type {AuditService} from './audit.js';

export interface AccessDecision {
  allowed: boolean;
  permission: string;
  /** How it is granted: `direct`, `role admin (*)`, ...; or why not. */
  path: string;
}

/**
 * The one access decision of SystemPrompt OS: the CLI, the HTTP API and MCP all ask here. A user holds
 * the permissions of their roles and their direct grants (wildcards included), limited by the scopes
 * of the credential they use; a disabled user holds none. The local operator holds all.
 */
export class AccessService implements AccessProvider {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly audit: AuditService,
  ) {}

  /** What a user holds, as [permission, where it comes from]. */
  async holdings(userId: string): Promise<Array<{permission: string; source: string}>> {
    const direct = await this.db.repository(Grant).findBy({userId});
    const memberships = await this.db.repository(Membership).findBy({userId});
    const holdings = direct.map((grant) => ({permission: grant.permission, source: 'direct'}));
    const roles = memberships.map((membership) => membership.role);
    const granted = roles.length === 0 ? [] : await this.db.repository(RolePermission).createQueryBuilder('p').where('p.role IN (:...roles)', {roles}).orderBy('p.role').getMany();
    for (const row of granted) holdings.push({permission: row.permission, source: `role ${row.role}`});
    return holdings;
  }

  /** Whether the actor holds `permission`, and the path that grants it. */
  async decide(actor: Actor, permission: string): Promise<AccessDecision> {
    if (actor.kind === 'local') return {allowed: true, permission, path: 'local administrator (auth.localTrust)'};
    if (actor.kind === 'system') return {allowed: true, permission, path: 'the system'};
    if (actor.kind === 'anonymous') return {allowed: false, permission, path: 'not signed in'};
    if (actor.scopes && !actor.scopes.some((scope) => permissionMatches(scope, permission))) {
      return {allowed: false, permission, path: `not within the scopes of the ${actor.via === 'api-key' ? 'API key' : 'token'} used`};
    }
    return this.decideForUser(actor.id, permission);
  }

  async decideForUser(userId: string, permission: string): Promise<AccessDecision> {
    const user = await this.db.repository(User).findOneBy({id: userId});
    if (!user) return {allowed: false, permission, path: 'no such user'};
    if (user.status !== 'enabled') return {allowed: false, permission, path: 'the user is disabled'};
    const holdings = await this.holdings(userId);
    // Exact grants explain themselves best; wildcards after.
    const exact = holdings.find((holding) => holding.permission === permission);
    if (exact) return {allowed: true, permission, path: exact.source === 'direct' ? 'direct grant' : `via ${exact.source}`};
    const wildcard = holdings.find((holding) => permissionMatches(holding.permission, permission));
    if (wildcard) return {allowed: true, permission, path: `via wildcard ${wildcard.permission} (${wildcard.source === 'direct' ? 'direct grant' : wildcard.source})`};
    return {allowed: false, permission, path: 'no role or grant gives it'};
  }

  async holds(actor: Actor, permission: string): Promise<boolean> {
    return (await this.decide(actor, permission)).allowed;
  }

  /** Writes a record to the audit log (for modules below this one: database, config, modules). */
  async record(actor: Actor, entry: AuditEntry): Promise<void> {
    await this.audit.record(actor, entry);
  }

  /**
   * Throws exit 4 unless the actor holds `permission`; a denial is written to the audit log with the
   * action that was attempted.
   */
  async authorize(actor: Actor, permission: string, action: string, target?: string | null): Promise<void> {
    const decision = await this.decide(actor, permission);
    if (decision.allowed) return;
    await this.audit.record(actor, {action, target: target ?? null, result: 'denied', permission, details: {reason: decision.path}});
    throw permissionDenied(`${actor.label} may not ${action.replace(/^[a-z-]+\./, '').replace(/[.-]/g, ' ')}${target ? ` ${target}` : ''}: ${permission} is required (${decision.path})`, {
      code: 'PERMISSION_DENIED',
      details: {permission, actor: actor.label},
      hint: actor.kind === 'anonymous'
        ? 'Sign in with auth:login (or set SYSTEMPROMPT_API_KEY); local trust (auth.localTrust) is off.'
        : actor.kind === 'user' ? 'Ask an administrator for the permission, or sign in as someone who holds it (auth:login).' : undefined,
    });
  }
}
