import {
  permissionCovers,
  permissionDenied,
  type AccessProvider,
  type Actor,
  type AuditEntry,
  type RecordOptions,
} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import {Grant, Membership, RolePermission, User} from '../entities.js';
import {auditTarget} from './text.js';
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
    const granted =
      roles.length === 0
        ? []
        : await this.db
            .repository(RolePermission)
            .createQueryBuilder('p')
            .where('p.role IN (:...roles)', {roles})
            .orderBy('p.role')
            .getMany();
    for (const row of granted) holdings.push({permission: row.permission, source: `role ${row.role}`});
    return holdings;
  }

  /** Whether the actor holds `permission`, and the path that grants it. */
  async decide(actor: Actor, permission: string): Promise<AccessDecision> {
    if (actor.kind === 'local') return {allowed: true, permission, path: 'local administrator (auth.localTrust)'};
    if (actor.kind === 'system') return {allowed: true, permission, path: 'the system'};
    if (actor.kind === 'anonymous') return {allowed: false, permission, path: 'not signed in'};
    if (actor.scopes && !actor.scopes.some((scope) => permissionCovers(scope, permission))) {
      return {
        allowed: false,
        permission,
        path: `not within the scopes of the ${actor.via === 'api-key' ? 'API key' : 'token'} used`,
      };
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
    if (exact)
      return {allowed: true, permission, path: exact.source === 'direct' ? 'direct grant' : `via ${exact.source}`};
    const wildcard = holdings.find((holding) => permissionCovers(holding.permission, permission));
    if (wildcard)
      return {
        allowed: true,
        permission,
        path: `via wildcard ${wildcard.permission} (${wildcard.source === 'direct' ? 'direct grant' : wildcard.source})`,
      };
    return {allowed: false, permission, path: 'no role or grant gives it'};
  }

  async holds(actor: Actor, permission: string): Promise<boolean> {
    return (await this.decide(actor, permission)).allowed;
  }

  /** Writes a record to the audit log (for modules below this one: database, config, modules). */
  async record(actor: Actor, entry: AuditEntry, options?: RecordOptions): Promise<void> {
    await this.audit.record(actor, entry, undefined, options);
  }

  /**
   * Throws exit 4 unless the actor holds `permission`; a denial is written to the audit log with the
   * action that was attempted.
   */
  async authorize(actor: Actor, permission: string, action: string, target?: string | null): Promise<void> {
    const decision = await this.decide(actor, permission);
    if (decision.allowed) return;
    await this.audit.record(actor, {
      action,
      target: auditTarget(target),
      result: 'denied',
      permission,
      details: {reason: decision.path},
    });
    throw permissionDenied(
      `${actor.label} may not ${action.replace(/^[a-z-]+\./, '').replace(/[.-]/g, ' ')}${target ? ` ${auditTarget(target)}` : ''}: ${permission} is required (${decision.path})`,
      {
        code: 'PERMISSION_DENIED',
        details: {permission, actor: actor.label},
        hint:
          actor.kind === 'anonymous'
            ? 'Sign in with auth:login (or set SYSTEMPROMPT_API_KEY); local trust (auth.localTrust) is off.'
            : actor.kind === 'user'
              ? 'Ask an administrator for the permission, or sign in as someone who holds it (auth:login).'
              : undefined,
      },
    );
  }

  /**
   * The escalation rule (after Kubernetes RBAC's): nobody gives a user, a role or a credential a
   * permission they do not hold themselves, directly or through a role, wildcards expanded (a
   * requested `users:*` needs `users:*` or `*`; see permissionCovers). Throws exit 4
   * PERMISSION_ESCALATION naming the first permission not held, and audits the refusal. The local
   * administrator and the system hold everything, so are never refused; neither is a holder of `*`.
   * `via` says where the permission comes from when it is not asked for directly (`role admin`).
   */
  async assertCanGrant(
    actor: Actor,
    permissions: Iterable<string>,
    action: string,
    target?: string | null,
    via?: string,
  ): Promise<void> {
    if (actor.kind === 'local' || actor.kind === 'system') return;
    for (const permission of new Set(permissions)) {
      const decision = await this.decide(actor, permission);
      if (decision.allowed) continue;
      const through = via ? ` (through ${via})` : '';
      await this.audit.record(actor, {
        action,
        target: auditTarget(target),
        result: 'denied',
        permission,
        details: {reason: 'escalation', path: decision.path, ...(via ? {via} : {})},
      });
      throw permissionDenied(
        `${actor.label} may not give ${permission}${through}${target ? ` to ${auditTarget(target)}` : ''}: nobody can give a permission they do not hold (${decision.path})`,
        {
          code: 'PERMISSION_ESCALATION',
          details: {
            permission,
            actor: actor.label,
            ...(target ? {target: auditTarget(target)} : {}),
            ...(via ? {via} : {}),
          },
          hint: 'Leave it out, or ask someone who holds it (an administrator) to give it.',
        },
      );
    }
  }

  /**
   * Resetting another user's credentials (password, two-factor sign-in) lets the caller sign in as
   * them, which is giving oneself everything they hold: the escalation rule over that user's
   * permissions. Acting on one's own account needs nothing more.
   */
  async assertCanActAs(actor: Actor, userId: string, action: string, target: string): Promise<void> {
    if (actor.kind === 'local' || actor.kind === 'system' || (actor.kind === 'user' && actor.id === userId)) return;
    const held = [...new Set((await this.holdings(userId)).map((holding) => holding.permission))].sort();
    await this.assertCanGrant(actor, held, action, target, `the account of ${target}`);
  }

  /** The permissions of roles, by role name (roles that do not exist have none here; callers check existence). */
  async rolePermissions(roles: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(roles.map((role) => [role, []]));
    if (roles.length === 0) return result;
    const rows = await this.db
      .repository(RolePermission)
      .createQueryBuilder('p')
      .where('p.role IN (:...roles)', {roles: [...new Set(roles)]})
      .getMany();
    for (const row of rows) result.get(row.role)?.push(row.permission);
    return result;
  }

  /** Assigning a role grants every permission in it: the escalation rule for each role. */
  async assertCanAssignRoles(
    actor: Actor,
    roles: readonly string[],
    action: string,
    target?: string | null,
  ): Promise<void> {
    if (actor.kind === 'local' || actor.kind === 'system' || roles.length === 0) return;
    for (const [role, permissions] of await this.rolePermissions(roles))
      await this.assertCanGrant(actor, permissions.sort(), action, target, `role ${role}`);
  }
}
