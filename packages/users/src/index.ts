import {BaseModule, packageVersionOf, type ModuleContext} from '@systemprompt/core';
import {DATABASE, type ModuleDatabase} from '@systemprompt/database';
import {USERS_ENTITIES} from './entities.js';
import {AccessService} from './services/access.js';
import {AuditService} from './services/audit.js';
import {pruneAuditLog} from './services/audit-prune.js';
import type {UsersConfig} from './generated/config.js';
import {RoleService} from './services/roles.js';
import {SessionService} from './services/sessions.js';
import {UserService} from './services/users.js';
import {addUserRoutes} from './routes.js';
import {addUserMetrics} from './metrics.js';
import {addUsersTools} from './tools.js';

export {AccessService, type AccessDecision} from './services/access.js';
export {AuditService, AUDIT_LIST_FIELDS, type AuditEntry, type AuditRecord} from './services/audit.js';
export {pruneAuditLog} from './services/audit-prune.js';
export {
  RoleService,
  type RoleView,
  type RoleChangeOptions,
  type GrantResult,
  type RevokeResult,
} from './services/roles.js';
export {SessionService, hashToken, type SessionView} from './services/sessions.js';
export {
  UserService,
  USER_LIST_FIELDS,
  type UserView,
  type UserPreview,
  type ChangeOptions,
  type CreateUserInput,
  type UpdateUserInput,
} from './services/users.js';
export {
  normalizeEmail,
  emailLookupKey,
  checkText,
  auditTarget,
  quoted,
  isMixedScript,
  TEXT_LIMITS,
  type TextRule,
} from './services/text.js';
export {rowValues, confirmOnce, type RowFieldKind, type RowValues} from './batch-rows.js';
export type {UserRow, SessionRow, AuditRow} from './entities.js';

/** What the users module publishes to the modules that depend on it (permissions, auth, api). */
export interface UsersApi {
  db: ModuleDatabase;
  users: UserService;
  roles: RoleService;
  access: AccessService;
  audit: AuditService;
  sessions: SessionService;
}

export class UsersModule extends BaseModule<UsersConfig> {
  readonly name = 'users';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;
  private audit: AuditService | undefined;

  override async initialize(context: ModuleContext<UsersConfig>): Promise<void> {
    await super.initialize(context);
    const db = await context.services.get(DATABASE).forModule(context, USERS_ENTITIES);
    const audit = new AuditService(db);
    this.audit = audit;
    const access = new AccessService(db, audit);
    const users = new UserService(db, access, audit, context.events);
    const api: UsersApi = {
      db,
      audit,
      access,
      users,
      roles: new RoleService(db, access, audit, users, context.events),
      sessions: new SessionService(db, access, audit, users),
    };
    context.retention.add({
      name: 'audit',
      description: 'The oldest records of the audit log (a prefix of its chain)',
      keepDays: context.config.auditRetentionDays > 0 ? context.config.auditRetentionDays : null,
      setting: 'users.auditRetentionDays',
      protected: true,
      prune: (before, options) => pruneAuditLog(db, audit, before, options),
    });
    context.provide(api);
    addUserRoutes(context.http, users);
    addUsersTools(context.tools, users);
    addUserMetrics(context.metrics, db);
  }

  /** Audit records still being group-committed are written before the database closes. */
  override async stop(): Promise<void> {
    await this.audit?.flush();
  }
}

export default (): UsersModule => new UsersModule();
export {USERS} from './token.js';
export * from './events.js';
