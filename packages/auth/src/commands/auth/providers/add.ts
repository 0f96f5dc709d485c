import {Args, Flags, SystemPromptCommand, readSecretFromStdin} from '@systemprompt/core';
import type {ProviderView} from '../../../index.js';
import {AUTH} from '../../../token.js';

export default class AuthProvidersAdd extends SystemPromptCommand<typeof AuthProvidersAdd> {
  static override summary = 'Add an OpenID Connect identity provider.';
  static override description =
    'The issuer is the URL the provider names itself by (its discovery document is at <issuer>/.well-known/openid-configuration; check it with auth:providers:test). The client secret, for confidential clients, is read from standard input and stored encrypted with the installation key; it is never printed. An existing name is exit 5. Needs auth:providers.';
  static override examples = [
    'printf %s "$GOOGLE_CLIENT_SECRET" | <%= config.bin %> <%= command.id %> google --issuer https://accounts.google.com --client-id 1234.apps.googleusercontent.com --client-secret-stdin',
    '<%= config.bin %> <%= command.id %> keycloak --issuer https://sso.example.com/realms/main --client-id systemprompt',
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
  };
  static override columns = ['name', 'issuer', 'clientId', 'clientSecret', 'createdAt'];

  async run(): Promise<ProviderView> {
    const clientSecret = this.flags['client-secret-stdin'] ? await readSecretFromStdin('client secret') : undefined;
    const auth = await this.service(AUTH);
    const provider = await auth.providers.add(await this.actor(), {
      name: this.args.name,
      issuer: this.flags.issuer,
      clientId: this.flags['client-id'],
      clientSecret,
    });
    this.notices.push(`Check it with auth:providers:test ${provider.name}.`);
    return provider;
  }
}
