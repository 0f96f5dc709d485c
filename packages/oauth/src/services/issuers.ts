import {permissionDenied} from '@systemprompt/core';
import {MCP_PATH, mcpBase, mcpHostNames, type McpApi} from '@systemprompt/mcp';

/**
 * Which issuer the authorization server is, and which issuers' tokens /mcp accepts. With
 * `mcp.publicUrl` there is one: that URL. Without it the issuer is the origin the client addressed
 * (as /mcp's metadata says), for host names /mcp answers (loopback and `mcp.allowedHosts`) only, so a
 * forged Host header cannot make the server name another issuer.
 */
export class IssuerPolicy {
  constructor(private readonly mcp: McpApi) {}

  private get publicBase(): string | undefined {
    return this.mcp.config.publicUrl ? mcpBase(this.mcp, '') : undefined;
  }

  private hostAllowed(hostname: string): boolean {
    const allowed = mcpHostNames(this.mcp.config);
    return allowed.includes('*') || allowed.includes(hostname) || allowed.includes(hostname.replace(/^\[|\]$/g, ''));
  }

  /** The issuer for a request that addressed `origin` (`http://host:port`). */
  issuerFor(origin: string): string {
    const fixed = this.publicBase;
    if (fixed) return fixed;
    const url = new URL(origin);
    if (!this.hostAllowed(url.hostname))
      throw permissionDenied(`The authorization server does not answer for host ${url.hostname.slice(0, 100)}`, {
        code: 'OAUTH_HOST_NOT_ALLOWED',
        hint: 'Add the name to mcp.allowedHosts, or set mcp.publicUrl.',
      });
    return url.origin;
  }

  /** The protected resource of an issuer: /mcp at the same base. */
  resourceOf(issuer: string): string {
    return `${issuer}${MCP_PATH}`;
  }

  /** The audience tokens of `issuer` must name, when this server is that issuer. */
  audienceFor(issuer: string): string | undefined {
    const fixed = this.publicBase;
    if (fixed) return issuer === fixed ? this.resourceOf(fixed) : undefined;
    let url: URL;
    try {
      url = new URL(issuer);
    } catch {
      return undefined;
    }
    if (url.origin !== issuer || !this.hostAllowed(url.hostname)) return undefined;
    return this.resourceOf(issuer);
  }
}
