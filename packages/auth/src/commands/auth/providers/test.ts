import {Args, Flags, SystemPromptCommand} from '@systemprompt/core';
import {DEFAULT_DISCOVERY_TIMEOUT_MS} from '../../../services/providers.js';
import type {DiscoveryReport} from '../../../index.js';
import {AUTH} from '../../../token.js';

export default class AuthProvidersTest extends SystemPromptCommand<typeof AuthProvidersTest> {
  static override summary = "Check an identity provider's discovery document and report the latency.";
  static override description =
    'Fetches <issuer>/.well-known/openid-configuration and checks that it is JSON, that its issuer equals the configured one exactly, and that it has authorization_endpoint, token_endpoint and jwks_uri. An unreachable provider, a time-out, an HTTP error, an answer that is not JSON, another issuer or a missing endpoint is exit 6; an unknown name exit 3. No secret is sent. Needs auth:read.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> google',
    '<%= config.bin %> <%= command.id %> keycloak --timeout 2000 --json',
  ];
  static override args = {name: Args.string({required: true, description: 'The provider to test.'})};
  static override flags = {
    timeout: Flags.integer({
      description: 'Give up after this many milliseconds.',
      default: DEFAULT_DISCOVERY_TIMEOUT_MS,
      min: 1,
      helpValue: 'MS',
    }),
  };

  async run(): Promise<DiscoveryReport> {
    const auth = await this.service(AUTH);
    return auth.providers.test(await this.actor(), this.args.name, {timeoutMs: this.flags.timeout});
  }
}
