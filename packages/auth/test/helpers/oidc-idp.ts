import {generateKeyPairSync} from 'node:crypto';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import Provider from 'oidc-provider';

/** What the provider says about an account: the claims each test controls. */
export interface IdpAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
  /** Under the claim `groups`, or the one startIdp was given. */
  groups?: string[] | string;
}

export interface Idp {
  /** The issuer: `http://127.0.0.1:<port>`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Sets (or replaces) the account signed in as `sub`. */
  account(sub: string, claims: IdpAccount): void;
  close(): Promise<void>;
}

export const CLIENT_ID = 'systemprompt-cli';
export const CLIENT_SECRET = 'idp-client-secret-4b8e1d';

/**
 * A real OpenID Connect provider (oidc-provider) on 127.0.0.1 with a free port: static accounts whose
 * claims the test sets, one confidential native client whose redirect URI is the loopback
 * `http://127.0.0.1/callback` (any port, RFC 8252), and oidc-provider's development sign-in and
 * consent forms, which accept any login name as the account's `sub`. `claimsInIdToken: false` keeps
 * to OpenID Connect Core 5.4 (oidc-provider's default): the scopes' claims come from userinfo only.
 * `groupsClaim` names the groups claim and the scope that gives it (default `groups`).
 */
export async function startIdp(options: {claimsInIdToken?: boolean; groupsClaim?: string} = {}): Promise<Idp> {
  const accounts = new Map<string, IdpAccount>();
  const groupsClaim = options.groupsClaim ?? 'groups';
  // Listening first: the issuer names the port.
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const {privateKey} = generateKeyPairSync('rsa', {modulusLength: 2048});
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        application_type: 'native',
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: {keys: [{...privateKey.export({format: 'jwk'}), kid: 'test', use: 'sig', alg: 'RS256'}]},
    cookies: {keys: ['a-cookie-key-for-tests-only']},
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      [groupsClaim]: [groupsClaim],
    },
    scopes: ['openid', 'email', 'profile', groupsClaim],
    conformIdTokenClaims: options.claimsInIdToken === false,
    pkce: {required: () => true},
    // Fixed lifetimes (seconds): oidc-provider's defaults are functions that it asks to replace.
    ttl: {AuthorizationCode: 60, Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600},
    features: {devInteractions: {enabled: true}},
    async findAccount(_ctx: unknown, sub: string) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          const {groups, ...rest} = account;
          return {sub, ...rest, ...(groups === undefined ? {} : {[groupsClaim]: groups})};
        },
      };
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    account: (sub, claims) => {
      accounts.set(sub, claims);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Cookies of one browser, per origin, with their paths (oidc-provider scopes its interaction cookies by path). */
class CookieJar {
  private readonly cookies = new Map<string, {value: string; path: string}>();

  store(url: URL, response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      const path = attributes.find((attribute) => /^path=/i.test(attribute))?.slice(5) || '/';
      const expired =
        attributes.some((attribute) => /^max-age=(0|-)/i.test(attribute)) ||
        attributes.some((attribute) => /^expires=/i.test(attribute) && Date.parse(attribute.slice(8)) < Date.now());
      const key = `${url.origin} ${path} ${name}`;
      if (expired || value === '') this.cookies.delete(key);
      else this.cookies.set(key, {value, path});
    }
  }

  header(url: URL): string {
    return [...this.cookies]
      .filter(([key, cookie]) => key.startsWith(`${url.origin} `) && url.pathname.startsWith(cookie.path))
      .map(([key, cookie]) => `${key.split(' ')[2]}=${cookie.value}`)
      .join('; ');
  }
}

/** Every address this browser visits must be on the loopback interface. */
function loopbackOnly(url: URL): URL {
  if (url.hostname !== '127.0.0.1') throw new Error(`the test browser only visits 127.0.0.1, not ${url.href}`);
  return url;
}

/** The first form of an HTML page: its action and its hidden fields. */
function formOf(html: string, base: URL): {action: URL; fields: Record<string, string>} | undefined {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return undefined;
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1];
    if (name) fields[name] = value ?? '';
  }
  return {action: new URL(form[1]!.replace(/&amp;/g, '&'), base), fields};
}

export interface BrowserResult {
  /** The CLI's callback address the provider sent the browser to. */
  callback: URL;
  /** What the CLI answered there. */
  status: number;
  page: string;
}

/**
 * The browser's part of a sign-in: opens the authorization address, follows the redirects by hand,
 * fills oidc-provider's sign-in form with `login` (the account's sub) and approves the consent form,
 * until the provider sends it to the CLI's callback on 127.0.0.1, whose answer it returns. `cancel`:
 * the user cancels on the sign-in page instead (the provider answers access_denied).
 */
export async function signInWithBrowser(
  authorizationUrl: string,
  login: string,
  options: {cancel?: boolean} = {},
): Promise<BrowserResult> {
  const jar = new CookieJar();
  const issuer = new URL(authorizationUrl).origin;
  let url = loopbackOnly(new URL(authorizationUrl));
  let request: RequestInit = {method: 'GET'};
  for (let step = 0; step < 20; step += 1) {
    if (url.origin !== issuer) {
      // The provider's redirect to the CLI: the browser's last request.
      const response = await fetch(url, {redirect: 'manual'});
      return {callback: url, status: response.status, page: await response.text()};
    }
    const response = await fetch(url, {
      ...request,
      redirect: 'manual',
      headers: {...(request.headers as Record<string, string>), cookie: jar.header(url)},
    });
    jar.store(url, response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = loopbackOnly(new URL(location, url));
      request = {method: 'GET'};
      continue;
    }
    const html = await response.text();
    const cancel = options.cancel ? /<a href="([^"]*)">\[ Cancel \]<\/a>/.exec(html)?.[1] : undefined;
    if (cancel) {
      url = loopbackOnly(new URL(cancel.replace(/&amp;/g, '&'), url));
      request = {method: 'GET'};
      continue;
    }
    const form = response.status === 200 ? formOf(html, url) : undefined;
    if (!form) throw new Error(`unexpected answer from ${url.href}: HTTP ${response.status}\n${html.slice(0, 500)}`);
    const fields: Record<string, string> = {...form.fields};
    if (fields.prompt === 'login') Object.assign(fields, {login, password: 'any password'});
    url = loopbackOnly(form.action);
    request = {
      method: 'POST',
      headers: {'content-type': 'application/x-www-form-urlencoded'},
      body: new URLSearchParams(fields).toString(),
    };
  }
  throw new Error('the sign-in took more than 20 steps');
}
