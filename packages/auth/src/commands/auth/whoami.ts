import {SYSTEM_ACTOR, SystemPromptCommand, renderRecord, textResult, type TextResult} from '@systemprompt/core';
import {AUTH} from '../../token.js';

export interface WhoAmI {
  kind: string;
  id: string;
  /** The email of a user; local-admin or anonymous otherwise. */
  label: string;
  via: string;
  roles: string[];
  /** The scopes of the API key or token used; null: no restriction. */
  scopes: string[] | null;
  mfa: 'off' | 'pending' | 'on' | null;
  permissions: Array<{permission: string; source: string}>;
}

export default class AuthWhoami extends SystemPromptCommand<typeof AuthWhoami> {
  static override summary = 'Show who runs commands: the user, how they signed in, their roles and permissions.';
  static override description =
    'The actor comes from SYSTEMPROMPT_API_KEY, else the session of auth:login, else the local administrator (auth.localTrust on) or nobody. For a user: the roles, the scopes of the API key or token used, whether two-factor sign-in is on, and every permission held with where it comes from (a role or a direct grant).';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<TextResult> {
    const auth = await this.service(AUTH);
    const actor = await this.actor();
    const result: WhoAmI = {
      kind: actor.kind,
      id: actor.id,
      label: actor.label,
      via: actor.via,
      roles: [],
      scopes: actor.scopes ?? null,
      mfa: null,
      permissions: [],
    };
    if (actor.kind === 'user') {
      result.roles = (await auth.users.users.get(SYSTEM_ACTOR, actor.id)).roles;
      result.permissions = (await auth.users.access.holdings(actor.id)).sort(
        (a, b) => a.permission.localeCompare(b.permission) || a.source.localeCompare(b.source),
      );
      result.mfa = (await auth.mfa.status(actor)).mfa;
    } else if (actor.kind === 'local' || actor.kind === 'system') {
      result.permissions = [
        {permission: '*', source: actor.kind === 'local' ? 'local trust (auth.localTrust)' : 'the system'},
      ];
    } else {
      this.notices.push(
        'Nobody is signed in and local trust (auth.localTrust) is off: sign in with auth:login, or set SYSTEMPROMPT_API_KEY.',
      );
    }
    const width = Math.max(0, ...result.permissions.map((holding) => holding.permission.length));
    const text = renderRecord(
      Object.fromEntries([
        ['kind', result.kind],
        [actor.kind === 'user' ? 'email' : 'name', result.label],
        ...(actor.kind === 'user' ? [['id', result.id] as [string, string]] : []),
        ['via', result.via],
        ...(actor.kind === 'user'
          ? ([
              ['roles', result.roles.join(', ') || '(none)'],
              ['mfa', result.mfa ?? 'off'],
            ] as Array<[string, string]>)
          : []),
        ...(result.scopes ? [['scopes', result.scopes.join(' ')] as [string, string]] : []),
        ['permissions', result.permissions.length === 0 ? '(none)' : ''],
      ]),
    ).trimEnd();
    const holdings = result.permissions.map((holding) => `  ${holding.permission.padEnd(width)}  ${holding.source}`);
    return textResult(`${[text, ...holdings].join('\n')}\n`, result);
  }
}
