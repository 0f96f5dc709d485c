import type {AuthConfig} from './generated/config.js';

/** The module's configuration with localTrust decided (absent: on for SQLite, off for MySQL). */
export type ResolvedAuthConfig = Required<AuthConfig>;

export function resolveConfig(config: AuthConfig, engine: string): ResolvedAuthConfig {
  return {...config, localTrust: config.localTrust ?? engine === 'sqlite'};
}
