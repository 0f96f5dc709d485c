import {existsSync} from 'node:fs';
import {join} from 'node:path';
import type {AccessProvider, Actor, OclifCommand} from '@systemprompt/core';
import {
  ExitCode,
  LOCAL_ADMIN,
  LOCAL_ONLY_ACCESS,
  SystemPromptCommand,
  SystemPromptError,
  toSystemPromptError,
} from '@systemprompt/core';
import {ENV_FILE, SecretBox, layerModuleConfig, readConfigLayers} from '@systemprompt/core/config';
import {Provider} from '../entities.js';
import type {ConfigModuleApi} from '../index.js';
import type {ConfigService} from './config-service.js';
import {configService, providerService} from './open.js';
import type {ProviderService} from './providers.js';
import {SchemaCatalog} from './schema-catalog.js';
import {validateConfiguration, type ValidationReport} from './validation.js';
import {CONFIG} from '../token.js';

/** The auth module's session file in the config directory (auth's SESSION_FILE; config cannot import auth). */
const SESSION_FILE = 'session.json';

/** Who acts and the access decision to ask; `degraded` when the database could not be opened. */
export interface HostAccess {
  actor: Actor;
  access: AccessProvider;
  degraded?: string;
}

/** Base of the config:* commands: the configuration and provider services over the installed modules' schemas. */
export abstract class ConfigCommand<T extends typeof OclifCommand> extends SystemPromptCommand<T> {
  protected async configService(): Promise<ConfigService> {
    return configService(await this.service(CONFIG), await this.modules());
  }

  protected async providerService(): Promise<ProviderService> {
    return providerService(await this.service(CONFIG));
  }

  protected async catalog(): Promise<SchemaCatalog> {
    return new SchemaCatalog(await this.modules());
  }

  /** What is confirmed on a terminal (or with --confirm), for services that ask after their checks. */
  protected readonly confirm = (question: string): Promise<void> => this.confirmAction(question);

  /**
   * The actor and the access decision for commands on this host's own files (the env file, checks of
   * the configuration), which must work when the database does not: a wrong database URL in the env
   * file has to stay repairable. When the identity or access modules cannot start, the decision falls
   * back to "the local operator only" (LOCAL_ONLY_ACCESS): that is who would hold every permission
   * anyway (no session, no API key, auth.localTrust on in this host's own sources), so nobody gains
   * anything a working database would refuse; anyone else gets the original error.
   */
  protected async hostAccess(): Promise<HostAccess> {
    try {
      const actor = await this.actor();
      return {actor, access: await (await this.kernel()).access()};
    } catch (error) {
      const failure = toSystemPromptError(error);
      // An expired session or a wrong API key is an answer, not an outage.
      if (failure.exitCode === ExitCode.PermissionDenied) throw error;
      if (!(await this.localOperatorOnThisHost())) {
        throw new SystemPromptError(failure.message, {
          code: failure.code,
          exitCode: failure.exitCode,
          details: failure.details,
          cause: error,
          hint: `${failure.hint ? `${failure.hint} ` : ''}Without the database, only the local operator may use this command (no session file, no SYSTEMPROMPT_API_KEY, auth.localTrust on): run it with SYSTEMPROMPT_AUTH_LOCAL_TRUST=true, or edit ${join(this.paths.config, ENV_FILE)} by hand.`,
        });
      }
      const degraded = `The database cannot be opened (${failure.message}); acting as the local operator of this host, without an audit record.`;
      this.warnings.push(degraded);
      return {actor: LOCAL_ADMIN, access: LOCAL_ONLY_ACCESS, degraded};
    }
  }

  /** Whether this command would run as the local administrator: no session, no API key, local trust on here. */
  private async localOperatorOnThisHost(): Promise<boolean> {
    if (process.env.SYSTEMPROMPT_API_KEY?.trim() || existsSync(join(this.paths.config, SESSION_FILE))) return false;
    try {
      const catalog = await this.catalog();
      const auth = catalog.modules.get('auth');
      // Without the auth module nobody signs in: the local operator is the only actor there is.
      if (!auth) return true;
      const layers = await readConfigLayers(this.paths.config);
      // auth.localTrust is host-only: the layering takes it from config.yaml and the environment only.
      const trust = (await layerModuleConfig('auth', auth.schema, layers)).values.localTrust;
      if (typeof trust === 'boolean') return trust;
      // Unset, the auth module turns it off for MySQL/MariaDB (a database other hosts share) and on
      // otherwise; a URL the database module cannot take names no shared database either.
      const database = catalog.modules.get('database');
      const url = database
        ? (await layerModuleConfig('database', database.schema, layers, new SecretBox(this.paths.config))).values.url
        : undefined;
      return !(typeof url === 'string' && /^\s*(mysql|mariadb):/i.test(url));
    } catch {
      return false;
    }
  }

  /** The config module's service, or undefined when it cannot start (the database cannot be opened). */
  protected async configApiIfAvailable(): Promise<ConfigModuleApi | undefined> {
    try {
      return await this.service(CONFIG);
    } catch (error) {
      this.warnings.push(`Stored provider keys were not checked: ${toSystemPromptError(error).message}`);
      return undefined;
    }
  }

  /** validateConfiguration's report, with the providers' keys when the database can be opened. */
  protected async validationReport(): Promise<ValidationReport> {
    const {actor, access, degraded} = await this.hostAccess();
    if (degraded) this.warnings.push('Stored provider keys were not checked: the database cannot be opened.');
    const api = degraded ? undefined : await this.configApiIfAvailable();
    return validateConfiguration(actor, access, {
      catalog: await this.catalog(),
      configDirectory: this.paths.config,
      secrets: api?.secrets ?? new SecretBox(this.paths.config),
      providers: api ? () => api.db.repository(Provider).find({order: {name: 'ASC'}}) : undefined,
    });
  }
}
