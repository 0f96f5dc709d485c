import {Flags, SystemPromptCommand, confirmFlag, textResult, type TextResult} from '@systemprompt/core';
import {KEY_ALGORITHMS, type SigningKeyView} from '../../index.js';
import {AUTH} from '../../token.js';

export default class AuthGeneratekey extends SystemPromptCommand<typeof AuthGeneratekey> {
  static override summary = 'Generate a key that signs tokens; list, publish (JWKS) or retire keys.';
  static override description = `A new key (EdDSA by default, or RS256) gets a kid (its RFC 7638 thumbprint); its private key is written as a JWK to <config>/keys/<kid>.json (mode 600) and never printed, its public JWK goes to the database. The newest key signs tokens (status active); older keys become verify-only: tokens they signed still verify until the key is retired.

--list shows the keys without private parts; --jwks prints the JWKS document of the keys that still verify ({"keys": [...]}), what a server publishes at /.well-known/jwks.json; --retire KID takes a key out of the JWKS and deletes its private key file, so the tokens it signed stop verifying (asks for confirmation). Generating and retiring need auth:keys (checked first: without it, exit 4 whether or not the key exists); --list needs auth:read.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --alg RS256',
    '<%= config.bin %> <%= command.id %> --list',
    '<%= config.bin %> <%= command.id %> --jwks > jwks.json',
    '<%= config.bin %> <%= command.id %> --retire 3kq6Vd1Qy6o0cXl2bzq0mT0Cq8tE2w8i5sT3b9m8n7Q --confirm',
  ];
  static override flags = {
    alg: Flags.option({
      options: KEY_ALGORITHMS,
      description: 'Algorithm of the new key (default EdDSA, i.e. Ed25519).',
      exclusive: ['list', 'jwks', 'retire'],
    })(),
    list: Flags.boolean({
      description: 'List the keys (no private parts) instead of generating one.',
      exclusive: ['jwks', 'retire'],
    }),
    jwks: Flags.boolean({
      description: 'Print the JWKS document of the keys that still verify tokens.',
      exclusive: ['list', 'retire'],
    }),
    retire: Flags.string({
      description: 'Retire this key: remove it from the JWKS and delete its private key (asks for confirmation).',
      helpValue: 'KID',
      exclusive: ['list', 'jwks'],
    }),
    ...confirmFlag,
  };
  static override columns = ['kid', 'alg', 'status', 'createdAt', 'retiredAt', 'privateKey'];

  async run(): Promise<SigningKeyView | SigningKeyView[] | TextResult> {
    const auth = await this.service(AUTH);
    if (this.flags.jwks) {
      const jwks = await auth.keys.jwks();
      if (jwks.keys.length === 0) this.notices.push('No key verifies tokens yet: generate one with auth:generatekey.');
      return textResult(`${JSON.stringify(jwks, null, 2)}\n`, jwks);
    }
    const actor = await this.actor();
    if (this.flags.list) {
      const keys = await auth.keys.list(actor);
      if (keys.length === 0) this.notices.push('No signing keys yet: generate one with auth:generatekey.');
      return keys;
    }
    if (this.flags.retire !== undefined) {
      const retired = await auth.keys.retire(actor, this.flags.retire, {
        confirm: (question) => this.confirmAction(question),
      });
      if (retired.signingKey === null)
        this.warnings.push('No key signs tokens now: generate one with auth:generatekey.');
      return retired;
    }
    const key = await auth.keys.generate(actor, this.flags.alg ?? 'EdDSA');
    this.notices.push(`Tokens are signed with ${key.kid} from now on; older keys verify only.`);
    return key;
  }
}
