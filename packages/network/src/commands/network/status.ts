import {SystemPromptCommand, renderTable, textResult, type TextResult} from '@systemprompt/core';
import type {StatusView} from '../../services/network.js';
import {NETWORK} from '../../token.js';

export default class NetworkStatus extends SystemPromptCommand<typeof NetworkStatus> {
  static override summary = 'What the server listens on, TLS and certificate expiry, open connections, firewall.';
  static override description =
    'Takes network:read. The listeners (address, port, HTTP or HTTPS, the plain-HTTP redirect), open connections and the firewall rules the server has loaded come from the running server; the certificate (its names and expiry, with a warning within network.expiryWarningDays) and the firewall rules from this installation. Without a server it says so and shows the rest (exit 0).';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<TextResult> {
    const {network} = await this.service(NETWORK);
    const status = await network.status(await this.actor());
    this.warnings.push(...status.warnings);
    return textResult(renderStatus(status), status);
  }
}

function renderStatus(status: StatusView): string {
  const lines: string[] = [];
  const {server, tls, firewall} = status;
  lines.push(server.running ? `Server ${server.url} (pid ${server.pid}, ${server.state})` : 'Server: not running');
  if (status.listeners.length > 0)
    lines.push(
      renderTable(
        status.listeners.map((listener) => ({...listener, address: `${listener.address}:${listener.port}`})),
        {columns: ['role', 'protocol', 'address', 'family']},
      ).trimEnd(),
    );
  if (status.connections !== null) lines.push(`Open connections: ${status.connections}`);
  lines.push('');
  if (tls.certificate) {
    lines.push(
      `TLS: ${tls.https ? 'HTTPS served' : 'certificate installed, HTTPS off (network.https)'}; plain HTTP: ${tls.plainHttp}`,
    );
    lines.push(`Certificate: ${tls.certificate.subject} (${tls.source}) for ${tls.certificate.names.join(', ')}`);
    lines.push(`Expires: ${tls.certificate.notAfter} (${tls.certificate.daysLeft} days) - ${tls.state}`);
    if (tls.caFile) lines.push(`Clients trust: ${tls.caFile}`);
  } else lines.push('TLS: none (plain HTTP); network:ssl:generate creates a certificate');
  lines.push('');
  lines.push(
    `Firewall: ${firewall.rules} rule(s), default ${firewall.default}` +
      (firewall.loadedByServer !== null ? `; the server has ${firewall.loadedByServer} loaded` : '') +
      `; trusted proxies: ${firewall.trustedProxies.length ? firewall.trustedProxies.join(', ') : 'none (X-Forwarded-For ignored)'}`,
  );
  return `${lines.join('\n')}\n`;
}
