/**
 * What the server asks of the module that guards its network (the network module's gate): whether a
 * request's address may pass, the TLS material to serve, the plain-HTTP policy; and what the server
 * tells it back about where it listens and which routes it serves. Declared here so the server and the
 * network module share one contract without importing each other.
 */

/** One route as the server registered it with fastify (its onRoute hook). */
export interface ServedRoute {
  method: string;
  url: string;
  /** The module that added it (`system` for the server's own /health, /ready, /metrics). */
  module: string;
  /** A permission name, `authenticated` or `public`. */
  permission: string;
  summary?: string;
}

/** One socket the server listens on. */
export interface Listener {
  /** main: the API; redirect: plain HTTP answered with a redirect to the HTTPS URL. */
  role: 'main' | 'redirect';
  protocol: 'http' | 'https';
  address: string;
  family: string;
  port: number;
}

/** What the running server tells the gate about itself once it listens. */
export interface ServingInfo {
  url: string;
  listeners: Listener[];
  routes: ServedRoute[];
  /** Open connections of the main listener. */
  connections: () => Promise<number>;
  /** fastify's own route tree (printRoutes), which the route table can be checked against. */
  tree?: () => string;
}

/** The certificate chain and key the server serves, and the CA file a client of this host trusts them through. */
export interface ServerTls {
  cert: string;
  key: string;
  caFile?: string;
}

/** The gate's answer for one request: refused ones carry the error the server answers 403 with. */
export type GateAdmission =
  | {allowed: true; address: string}
  | {allowed: false; address: string; error: {code: string; message: string; hint?: string}};

export interface ServerGate {
  /** Loads the firewall rules; before the server listens. */
  load(): Promise<void>;
  admit(peer: string | undefined, forwardedFor: string | string[] | undefined): GateAdmission;
  /** Audits a refusal. */
  refused(admission: GateAdmission, request: {method: string; url: string; peer?: string}): void;
  tls(): Promise<ServerTls | undefined>;
  onTlsChanged(listener: (material: ServerTls | undefined) => void): () => void;
  readonly plainHttp: 'refuse' | 'redirect';
  readonly redirectPort: number;
  serving(info: ServingInfo | undefined): void;
}
