import {Args, Flags, SystemPromptCommand, readSecretFromStdin} from '@systemprompt/core';
import {PROVIDER_FIELDS, type ProviderView} from '../../../index.js';
import {AUTH} from '../../../token.js';

export default class AuthProvidersAdd extends SystemPromptCommand<typeof AuthProvidersAdd> {
  static override summary = 'Add an OpenID Connect identity provider.';
  static override description =
    'The issuer is the URL the provider names itself by (its discovery document is at <issuer>/.well-known/openid-configuration; check it with auth:providers:test). The client secret, for confidential clients, is read from standard input and stored encrypted with the installation key; it is never printed. Register http://127.0.0.1/callback as the redirect URI at the provider (any port: auth:login --provider listens on a free one).\n\nWho signs in through the provider (auth:login --provider NAME): a local user linked to the account, or the user with the email the provider gives as verified; with --default-role, others become new users with that role, without it they are refused. --map-group GROUP=ROLE gives the role to members of the group, read from the ID token claim --groups-claim (default groups), and takes it back when they leave it; roles not mapped are never touched. Each role must exist (exit 3) and you must hold what it gives (exit 4 PERMISSION_ESCALATION). An existing name is exit 5. Needs auth:providers.';
  static override examples = [
    'printf %s "$GOOGLE_CLIENT_SECRET" | <%= config.bin %> <%= command.id %> google --issuer https://accounts.google.com --client-id 1234.apps.googleusercontent.com --client-secret-stdin',
    '<%= config.bin %> <%= command.id %> keycloak --issuer https://sso.example.com/realms/main --client-id systemprompt',
    '<%= config.bin %> <%= command.id %> okta --issuer https://example.okta.com --client-id 0oa1b2c3 --default-role viewer --map-group engineering=operator --map-group admins=admin',
  ];
  static override args = {
    name: Args.string({required: true, description: 'Provider name: lower-case letters, digits and dashes.'}),
  };
  static override flags = {
    issuer: Flags.string({
      required: true,
      description: "The issuer URL (http or https), exactly as the provider's discovery document gives it.",
      helpValue: 'URL',
    }),
    'client-id': Flags.string({
      required: true,
      description: 'The client id registered with the provider.',
      helpValue: 'ID',
    }),
    'client-secret-stdin': Flags.boolean({
      description: 'Read the client secret from standard input and store it encrypted.',
    }),
    'default-role': Flags.string({
      description: 'Create users unknown here at their first sign-in, with this role (without it, none are created).',
      helpValue: 'ROLE',
    }),
    'groups-claim': Flags.string({
      description: "The ID token claim that lists the user's groups (default groups).",
      helpValue: 'NAME',
    }),
    'map-group': Flags.string({
      description: 'Members of GROUP get ROLE at sign-in, and lose it when they leave the group (repeatable).',
      multiple: true,
      helpValue: 'GROUP=ROLE',
    }),
  };
  static override columns = PROVIDER_FIELDS;

  async run(): Promise<ProviderView> {
    const clientSecret = this.flags['client-secret-stdin'] ? await readSecretFromStdin('client secret') : undefined;
    const auth = await this.service(AUTH);
    const provider = await auth.providers.add(await this.actor(), {
      name: this.args.name,
      issuer: this.flags.issuer,
      clientId: this.flags['client-id'],
      clientSecret,
      defaultRole: this.flags['default-role'],
      groupsClaim: this.flags['groups-claim'],
      groupRoles: this.flags['map-group'],
    });
    this.notices.push(`Check it with auth:providers:test ${provider.name}.`);
    return provider;
  }
}
