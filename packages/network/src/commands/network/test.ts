import {Args, ExitCode, Flags, SystemPromptCommand, textResult, renderTable, type TextResult} from '@systemprompt/core';
import type {ProbeResult} from '../../services/probe.js';
import {NETWORK} from '../../token.js';

export default class NetworkTest extends SystemPromptCommand<typeof NetworkTest> {
  static override summary = 'Test a connection phase by phase: DNS, TCP connect, TLS handshake and chain, HTTP status.';
  static override description =
    'Takes network:read. TARGET is a URL (http:// or https://: every phase up to the HTTP status) or HOST:PORT (DNS and TCP; TLS too with --tls or port 443). Each phase is timed; the TLS phase shows the peer certificate chain with expiry and whether it is trusted (and why not); --ca FILE trusts a CA besides the system ones (such as the one network:ssl:generate made). Stops at the first phase that fails and exits 6 with that phase in one line. An HTTP status of 500 or above counts as a failure.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> http://127.0.0.1:8080/health',
    '<%= config.bin %> <%= command.id %> https://localhost:8443/health --ca ~/.config/systemprompt/network/ca.crt',
    '<%= config.bin %> <%= command.id %> localhost:8443 --tls --json',
  ];
  static override args = {target: Args.string({description: 'A URL, or HOST:PORT.', required: true})};
  static override flags = {
    ca: Flags.string({description: 'PEM file of a CA to trust besides the system ones.'}),
    tls: Flags.boolean({description: 'Handshake TLS on a HOST:PORT target (a URL says it with https://).'}),
    timeout: Flags.integer({description: 'Milliseconds each phase may take.', default: 10_000, min: 1, max: 600_000}),
    method: Flags.string({description: 'HTTP method of the last phase.', options: ['GET', 'HEAD'], default: 'GET'}),
    family: Flags.string({description: 'Resolve to IPv4 (4) or IPv6 (6) only.', options: ['4', '6']}),
  };

  async run(): Promise<TextResult> {
    const {network} = await this.service(NETWORK);
    const {ca, tls, timeout, method, family} = this.flags;
    const result = await network.test(await this.actor(), this.args.target, {
      ...(ca ? {caFile: ca} : {}),
      tls,
      timeoutMs: timeout,
      method: method as 'GET' | 'HEAD',
      ...(family ? {family: Number(family) as 4 | 6} : {}),
    });
    if (!result.ok) {
      this.warnings.push(`network:test ${result.target} failed at ${result.failure}`);
      this.exitAfterOutput(ExitCode.Unavailable);
    }
    return textResult(render(result), result);
  }
}

function render(result: ProbeResult): string {
  const lines = [
    renderTable(
      result.phases.map((phase) => ({...phase, ok: phase.ok ? 'ok' : 'FAILED', ms: phase.ms.toFixed(2)})),
      {columns: ['phase', 'ok', 'ms', 'detail']},
    ).trimEnd(),
  ];
  if (result.tls?.chain.length) {
    lines.push('', `Certificate chain (${result.tls.authorized ? 'trusted' : `not trusted: ${result.tls.error}`}):`);
    lines.push(
      renderTable(result.tls.chain as unknown as Array<Record<string, unknown>>, {
        columns: ['subject', 'issuer', 'notAfter', 'daysLeft'],
      }).trimEnd(),
    );
  }
  return `${lines.join('\n')}\n`;
}
