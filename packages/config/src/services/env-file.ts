import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {invalidInput, notFound, writeFileAtomic, type AccessProvider, type Actor} from '@systemprompt/core';
import {ENV_FILE, SECRET_MASK, readConfigLayers, readEnvFile} from '@systemprompt/core/config';
import {problemsIn} from './check.js';
import {READ, SECURITY, WRITE, auditTarget} from './permissions.js';
import {closest, type EnvVariable, type SchemaCatalog} from './schema-catalog.js';

export interface EnvEntry {
  name: string;
  value: string;
  /** The setting it feeds (`database.url`), when a module's schema defines one. */
  setting: string | null;
  /** Also set in this process's environment, which wins over the file. */
  overridden: boolean;
}

const NAME = /^SYSTEMPROMPT_[A-Z0-9_]+$/;
const SECRET_NAME = /(KEY|SECRET|PASSWORD|TOKEN)$/;

/** `database_url` and `SYSTEMPROMPT_DATABASE_URL` name the same variable. */
export function envName(raw: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(raw.trim()))
    throw invalidInput(`"${raw}" is not a SYSTEMPROMPT_* variable name`, {code: 'ENV_NAME_INVALID'});
  const upper = raw.trim().toUpperCase();
  const name = upper.startsWith('SYSTEMPROMPT_') ? upper : `SYSTEMPROMPT_${upper}`;
  if (!NAME.test(name) || name === 'SYSTEMPROMPT_')
    throw invalidInput(`"${raw}" is not a SYSTEMPROMPT_* variable name`, {code: 'ENV_NAME_INVALID'});
  return name;
}

/**
 * The env file (`<config>/systemprompt.env`): SYSTEMPROMPT_* settings that every command and the
 * server read under the process environment. Written atomically with mode 600.
 *
 * It needs no database: it is this host's own file, so a wrong SYSTEMPROMPT_DATABASE_URL in it can
 * always be put right. Its methods take the actor first and check it with the access provider given
 * (config:read, config:write, and config:security for a variable that feeds a security setting); the
 * command gives the local-only decision when the database cannot be opened (see ConfigCommand).
 */
export class EnvFile {
  constructor(
    private readonly configDirectory: string,
    private readonly catalog: SchemaCatalog,
    private readonly access: AccessProvider,
  ) {}

  get path(): string {
    return join(this.configDirectory, ENV_FILE);
  }

  private variable(name: string): EnvVariable | undefined {
    return this.catalog.envVariables().find((variable) => variable.name === name);
  }

  /** Secrets masked; passwords in URLs hidden. */
  private shown(name: string, value: string): string {
    if (this.variable(name)?.secret || SECRET_NAME.test(name))
      return /:\/\//.test(value) ? value.replace(/(\/\/[^:/@\s]*:)[^@\s]*@/, `$1${SECRET_MASK}@`) : SECRET_MASK;
    return value;
  }

  private entries(): EnvEntry[] {
    return Object.entries(readEnvFile(this.configDirectory))
      .map(([name, value]) => {
        const variable = this.variable(name);
        return {
          name,
          value: this.shown(name, value),
          setting: variable ? `${variable.module}.${variable.key}` : null,
          overridden: process.env[name] !== undefined,
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async list(actor: Actor): Promise<EnvEntry[]> {
    await this.access.authorize(actor, READ, 'config.env');
    return this.entries();
  }

  private async lines(): Promise<string[]> {
    try {
      return (await readFile(this.path, 'utf8')).split('\n');
    } catch {
      return ['# SystemPrompt OS settings (SYSTEMPROMPT_*=value), read by every command and the server.'];
    }
  }

  private async write(lines: string[]): Promise<void> {
    const text = lines.join('\n').replace(/\n*$/, '\n');
    await writeFileAtomic(this.path, text, {mode: 0o600});
  }

  /** A variable that feeds no setting would be read by nothing: exit 2, with the likeliest one meant. */
  private known(name: string): EnvVariable {
    const variable = this.variable(name);
    if (variable) return variable;
    const names = this.catalog.envVariables().map((known) => known.name);
    const suggestion = closest(name, names);
    throw invalidInput(`${name} is not a setting of any installed module`, {
      code: 'ENV_NAME_UNKNOWN',
      details: {name, suggestion: suggestion ?? closest(name, names, Infinity) ?? null},
      hint: suggestion
        ? `Did you mean ${suggestion}?`
        : `The closest is ${closest(name, names, Infinity) ?? 'none'}; the settings of the installed modules are ${names.join(', ')} (see config:list).`,
    });
  }

  /** A value the module could not take (not a number, not in the enum...) is exit 2 before the file changes. */
  private async checkValue(variable: EnvVariable, value: string): Promise<void> {
    const layers = await readConfigLayers(this.configDirectory);
    const problems = async (env: Record<string, string | undefined>) =>
      // Runtime secrets are not decrypted here: only what this variable changes is judged.
      (await problemsIn(this.catalog, {...layers, env, runtime: {}}, undefined, [variable.module])).map(
        (problem) => problem.problem,
      );
    const before = new Set(await problems(layers.env));
    const after = (await problems({...layers.env, [variable.name]: value})).filter((problem) => !before.has(problem));
    if (after.length > 0)
      throw invalidInput(after.join('; '), {
        code: 'ENV_VALUE_INVALID',
        details: {name: variable.name, problems: after},
      });
  }

  async set(actor: Actor, rawName: string, value: string): Promise<EnvEntry> {
    await this.access.authorize(actor, WRITE, 'config.env.set', auditTarget(rawName));
    const name = envName(rawName);
    const variable = this.known(name);
    if (variable.security) await this.access.authorize(actor, SECURITY, 'config.env.set', name);
    if (/[\n\r]/.test(value)) throw invalidInput('The value must be one line', {code: 'ENV_VALUE_INVALID'});
    await this.checkValue(variable, value);
    const line = `${name}=${/[\s#"']/.test(value) ? JSON.stringify(value) : value}`;
    const lines = await this.lines();
    const index = lines.findIndex((existing) => new RegExp(`^\\s*(export\\s+)?${name}\\s*=`).test(existing));
    if (index >= 0) lines[index] = line;
    else lines.push(line);
    await this.write(lines);
    const entry = this.entries().find((candidate) => candidate.name === name)!;
    // The value as shown (secrets masked): the audit log never holds a secret.
    await this.access.record(actor, {
      action: 'config.env.set',
      target: name,
      result: 'ok',
      permission: variable.security ? SECURITY : WRITE,
      details: {setting: entry.setting, value: entry.value},
    });
    return entry;
  }

  /** Removes a variable; one that feeds no setting may be removed too (it was read by nothing). */
  async unset(actor: Actor, rawName: string): Promise<{name: string; removed: true}> {
    await this.access.authorize(actor, WRITE, 'config.env.unset', auditTarget(rawName));
    const name = envName(rawName);
    const variable = this.variable(name);
    if (variable?.security) await this.access.authorize(actor, SECURITY, 'config.env.unset', name);
    const lines = await this.lines();
    const kept = lines.filter((line) => !new RegExp(`^\\s*(export\\s+)?${name}\\s*=`).test(line));
    if (kept.length === lines.length) throw notFound(`${name} is not in ${this.path}`, {code: 'ENV_NOT_FOUND'});
    await this.write(kept);
    await this.access.record(actor, {
      action: 'config.env.unset',
      target: name,
      result: 'ok',
      permission: variable?.security ? SECURITY : WRITE,
      details: {setting: variable ? `${variable.module}.${variable.key}` : null},
    });
    return {name, removed: true};
  }
}
