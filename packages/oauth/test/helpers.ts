import {expect} from 'chai';
import type {
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  OAuthTokens,
} from '@modelcontextprotocol/client';

export {cliWith, eventually, processGone, startDetached, type StartedServer} from '../../system/test/helpers/server.js';

/** Where the test client says it is redirected to: never contacted, the browser below stops there. */
export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

const LOOPBACK = /^http:\/\/(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]):\d+\//;

/** The user's browser: follows redirects by hand with its cookies, on loopback only, until the client's redirect. */
export class Browser {
  private readonly cookies = new Map<string, string>();

  private remember(response: Response): void {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, ...value] = pair!.split('=');
      if (/expires=Thu, 01 Jan 1970/i.test(cookie) || /max-age=0/i.test(cookie)) this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value.join('='));
    }
  }

  private async send(url: string, init: RequestInit = {}): Promise<Response> {
    if (!LOOPBACK.test(url)) throw new Error(`not a loopback URL: ${url}`);
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {...(init.headers as Record<string, string>), ...(cookie ? {cookie} : {})},
    });
    this.remember(response);
    return response;
  }

  /**
   * Opens `url` and follows redirects; stops at a page (returns it with its URL) or at the client's
   * redirect URI (returns that URL, not fetched).
   */
  async open(url: string, init: RequestInit = {}): Promise<{url: string; status: number; html: string}> {
    let current = url;
    let response = await this.send(current, init);
    for (let hops = 0; response.status >= 300 && response.status < 400; hops++) {
      expect(hops, 'too many redirects').to.be.below(10);
      current = new URL(response.headers.get('location')!, current).toString();
      if (current.startsWith(REDIRECT_URI)) return {url: current, status: response.status, html: ''};
      response = await this.send(current);
    }
    return {url: current, status: response.status, html: await response.text()};
  }

  /** Submits a form of the page (its action, as a browser would). */
  submit(pageUrl: string, html: string, action: RegExp, fields: Record<string, string>) {
    const target = [...html.matchAll(/<form method="post" action="([^"]+)"/g)]
      .map((match) => match[1]!)
      .find((found) => action.test(found));
    expect(target, `a form posting to ${action}`).to.be.a('string');
    return this.open(new URL(target!.replace(/&amp;/g, '&'), pageUrl).toString(), {
      method: 'POST',
      headers: {'content-type': 'application/x-www-form-urlencoded'},
      body: new URLSearchParams(fields).toString(),
    });
  }
}

/** An MCP client's OAuth state, in memory: what a real client keeps on disk. */
export class MemoryOAuthClient implements OAuthClientProvider {
  information: Awaited<ReturnType<NonNullable<OAuthClientProvider['clientInformation']>>>;
  saved: OAuthTokens | undefined;
  verifier = '';
  discovery: OAuthDiscoveryState | undefined;
  authorizationUrl: URL | undefined;

  get redirectUrl(): string {
    return REDIRECT_URI;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Test MCP client',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation() {
    return this.information;
  }
  saveClientInformation(information: NonNullable<MemoryOAuthClient['information']>) {
    this.information = information;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'tokens') this.saved = undefined;
    if (scope === 'all' || scope === 'client') this.information = undefined;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
}
