import {Args, SystemPromptCommand} from '@systemprompt/core';
import type {TlsChange} from '../../../services/tls.js';
import {NETWORK} from '../../../token.js';

export default class NetworkSslImport extends SystemPromptCommand<typeof NetworkSslImport> {
  static override summary = 'Install an existing certificate (chain) and its private key.';
  static override description =
    'Takes network:write. CERT is a PEM file (the server certificate first, then its intermediates); KEY its unencrypted PEM private key. Both are checked (readable, the key matches, not expired) before they replace the installed ones (the key 0600). The server serves HTTPS with it from its next start; a running HTTPS server takes it at once.';
  static override examples = ['<%= config.bin %> <%= command.id %> server.crt server.key'];
  static override args = {
    cert: Args.string({description: 'PEM certificate chain file.', required: true}),
    key: Args.string({description: 'PEM private key file.', required: true}),
  };
  static override columns = ['action', 'certificate', 'certificateFile'];

  async run(): Promise<TlsChange> {
    const {tls} = await this.service(NETWORK);
    const change = await tls.import(await this.actor(), this.args.cert, this.args.key);
    this.notices.push(
      `Installed the certificate for ${change.certificate.names.join(', ')} until ${change.certificate.notAfter}`,
    );
    return change;
  }
}
