import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {invalidInput, notFound, writeFileAtomic, envVariableFor} from '@systemprompt/core';
import {ENV_FILE, SECRET_MASK, readEnvFile} from '@systemprompt/core/config';
import type {SchemaCatalog} from './schema-catalog.js';

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
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(raw.trim())) throw invalidInput(`"${raw}" is not a SYSTEMPROMPT_* variable name`, {code: 'ENV_NAME_INVALID'});
  const upper = raw.trim().toUpperCase();
  const name = upper.startsWith('SYSTEMPROMPT_') ? upper : `SYSTEMPROMPT_${upper}`;
  if (!NAME.test(name) || name === 'SYSTEMPROMPT_') throw invalidInput(`"${raw}" is not a SYSTEMPROMPT_* variable name`, {code: 'ENV_NAME_INVALID'});
  return name;
}

/**
 * The env file (`<config>/systemprompt.env`): SYSTEMPROMPT_* settings that every command and the
 * server read under the process environment. Written atomically with mode 600.
 */
export class EnvFile {
  constructor(
    private readonly configDirectory: string,
    private readonly catalog: SchemaCatalog,
  ) {}

  get path(): string {
    return join(this.configDirectory, ENV_FILE);
  }

  private settingFor(name: string) {
    return this.catalog.settings().find((spec) => !spec.path.includes('.') && envVariableFor(spec.module, spec.path) === name);
  }

  /** Secrets masked; passwords in URLs hidden. */
  private shown(name: string, value: string): string {
    if (this.settingFor(name)?.secret || SECRET_NAME.test(name)) return /:\/\//.test(value) ? value.replace(/(\/\/[^:/@\s]*:)[^@\s]*@/, `$1${SECRET_MASK}@`) : SECRET_MASK;
    return value;
  }

  list(): EnvEntry[] {
    return Object.entries(readEnvFile(this.configDirectory)).map(([name, value]) => {
      const setting = this.settingFor(name);
      return {name, value: this.shown(name, value), setting: setting ? setting.key : null, overridden: process.env[name] !== undefined};
    }).sort((a, b) => a.name.localeCompare(b.name));
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

  async set(rawName: string, value: string): Promise<EnvEntry> {
    const name = envName(rawName);
    if (/[\n\r]/.test(value)) throw invalidInput('The value must be one line', {code: 'ENV_VALUE_INVALID'});
    const line = `${name}=${/[\s#"']/.test(value) ? JSON.stringify(value) : value}`;
    const lines = await this.lines();
    const index = lines.findIndex((existing) => new RegExp(`^\\s*(export\\s+)?${name}\\s*=`).test(existing));
    if (index >= 0) lines[index] = line;
    else lines.push(line);
    await this.write(lines);
    return this.list().find((entry) => entry.name === name)!;
  }

  async unset(rawName: string): Promise<{name: string; removed: true}> {
    const name = envName(rawName);
    const lines = await this.lines();
    const kept = lines.filter((line) => !new RegExp(`^\\s*(export\\s+)?${name}\\s*=`).test(line));
    if (kept.length === lines.length) throw notFound(`${name} is not in ${this.path}`, {code: 'ENV_NOT_FOUND'});
    await this.write(kept);
    return {name, removed: true};
  }
}
