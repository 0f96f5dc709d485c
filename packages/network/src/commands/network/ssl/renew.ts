import {Flags, SystemPromptCommand} from '@systemprompt/core';
import type {TlsChange} from '../../../services/tls.js';
import {NETWORK} from '../../../token.js';

export default class NetworkSslRenew extends SystemPromptCommand<typeof NetworkSslRenew> {
  static override summary = 'Renew the generated server certificate (new key, same names, same CA).';
  static override description =
    'Takes network:write. Only for a certificate made by network:ssl:generate: its CA signs a new one for the same names (clients that trust the CA need nothing new). An imported certificate is renewed by its issuer and installed with network:ssl:import. A running HTTPS server takes the new certificate at once.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --days 90'];
  static override flags = {
    days: Flags.integer({description: 'Validity in days (default: what it was generated with).', min: 1, max: 36_500}),
  };
  static override columns = ['action', 'certificate', 'caFile'];

  async run(): Promise<TlsChange> {
    const {tls} = await this.service(NETWORK);
    const change = await tls.renew(await this.actor(), this.flags.days !== undefined ? {days: this.flags.days} : {});
    this.notices.push(`Renewed: valid until ${change.certificate.notAfter}`);
    return change;
  }
}
