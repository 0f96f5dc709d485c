import {Flags, SystemPromptCommand} from '@systemprompt/core';
import {DEFAULT_NAMES, type TlsChange} from '../../../services/tls.js';
import {NETWORK} from '../../../token.js';

export default class NetworkSslGenerate extends SystemPromptCommand<typeof NetworkSslGenerate> {
  static override summary = 'Create a local CA and a server certificate it signs, for the given names.';
  static override description = `Takes network:write. ECDSA P-256 keys (written 0600 in the module's configuration directory); the CA is kept across runs (--new-ca makes another) and is the file clients trust (network:ssl shows it). Names are DNS names or IP addresses (default: ${DEFAULT_NAMES.join(', ')}). The server serves HTTPS with it from its next start; a running HTTPS server takes the new certificate at once.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --name localhost --name 127.0.0.1 --days 90',
    'curl --cacert "$(<%= config.bin %> network:ssl --json | jq -r .data.caFile)" https://localhost:8080/health',
  ];
  static override flags = {
    name: Flags.string({
      char: 'n',
      description: 'A DNS name or IP address of the server (repeatable).',
      multiple: true,
    }),
    days: Flags.integer({
      description: 'Validity of the server certificate in days.',
      default: 397,
      min: 1,
      max: 36_500,
    }),
    'ca-days': Flags.integer({description: 'Validity of a new CA in days.', default: 3650, min: 1, max: 36_500}),
    'new-ca': Flags.boolean({description: 'Make a new CA even when one exists (clients must trust the new one).'}),
  };
  static override columns = ['action', 'certificate', 'caFile', 'newCa'];

  async run(): Promise<TlsChange> {
    const {tls} = await this.service(NETWORK);
    const change = await tls.generate(await this.actor(), {
      ...(this.flags.name ? {names: this.flags.name} : {}),
      days: this.flags.days,
      caDays: this.flags['ca-days'],
      newCa: this.flags['new-ca'],
    });
    this.notices.push(
      `Certificate for ${change.certificate.names.join(', ')} until ${change.certificate.notAfter}; clients trust ${change.caFile}${change.newCa ? ' (a new CA)' : ''}`,
    );
    return change;
  }
}
