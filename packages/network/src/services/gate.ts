import {
  ANONYMOUS,
  permissionDenied,
  type AccessProvider,
  type Listener,
  type Logger,
  type ServedRoute,
  type ServerGate,
  type ServingInfo,
  type SystemPromptError,
} from '@systemprompt/core';
import type {CidrSet} from '../cidr.js';
import {clientAddress, trustedSet, type CompiledFirewall, type FirewallDecision} from '../firewall.js';
import type {NetworkConfig} from '../generated/config.js';
import type {FirewallService} from './firewall.js';
import type {TlsMaterial, TlsService} from './tls.js';

export type {Listener, ServedRoute, ServingInfo};

/** A refused request: the firewall's decision and the error to answer with (403). */
export type Admission =
  (FirewallDecision & {allowed: true}) | (FirewallDecision & {allowed: false; error: SystemPromptError});

/** How often one address's refusals are written to the audit log at most (a flood must not flood the log). */
const AUDIT_EVERY_MS = 10_000;

/**
 * What the server asks the network module for: whether a request's address may pass (from the rule
 * list cached in memory, reloaded when network.firewall.changed arrives from any process), the TLS
 * material to serve, and the plain-HTTP policy. The server tells it what it serves (network:routes,
 * network:status read that through the module's routes).
 */
export class NetworkGate implements ServerGate {
  private firewall: CompiledFirewall | undefined;
  private readonly trusted: CidrSet;
  private readonly tlsListeners = new Set<(material: TlsMaterial | undefined) => void>();
  private readonly refusals = new Map<string, {at: number; since: number}>();
  private info: ServingInfo | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly rules: FirewallService,
    private readonly tlsService: TlsService,
    private readonly config: NetworkConfig,
    private readonly access: () => Promise<AccessProvider>,
    private readonly logger: Logger,
  ) {
    this.trusted = trustedSet(config.trustedProxies);
  }

  get plainHttp(): 'refuse' | 'redirect' {
    return this.config.plainHttp;
  }

  get redirectPort(): number {
    return this.config.redirectPort;
  }

  /** Loads the rules; the server calls it before it listens (a failure stops the start: no unguarded server). */
  async load(): Promise<void> {
    this.firewall = await this.rules.compile();
    this.logger.info(
      {rules: this.firewall.size, default: this.firewall.defaultAction, trustedProxies: this.trusted.size},
      'firewall rules loaded',
    );
  }

  /** Reloads after a change; keeps the old list if reading fails (and says so). */
  async reload(): Promise<void> {
    if (!this.firewall) return;
    const previous = this.loading;
    this.loading = (async () => {
      await previous?.catch(() => undefined);
      try {
        await this.load();
      } catch (error) {
        this.logger.error({err: error}, 'reloading the firewall rules failed; the previous rules stay in force');
      }
    })();
    await this.loading;
  }

  /** The firewall's answer for a request from `peer` (the socket's address) with its X-Forwarded-For header. */
  admit(peer: string | undefined, forwardedFor: string | string[] | undefined): Admission {
    const firewall = this.firewall;
    // No address (a socket already closed) or no rules loaded: refuse rather than guess.
    if (!firewall || !peer) {
      const address = peer ?? 'unknown';
      return {allowed: false, address, rule: null, error: refused(address, null)};
    }
    const decision = firewall.decide(clientAddress(peer, forwardedFor, this.trusted));
    if (decision.allowed) return decision as Admission;
    return {...decision, allowed: false, error: refused(decision.address, decision.rule?.position ?? null)};
  }

  /** Writes the refusal to the audit log: the first of an address, then at most one per 10 s with the count since. */
  refused(admission: Admission, request: {method: string; url: string; peer?: string}): void {
    const now = Date.now();
    const seen = this.refusals.get(admission.address);
    if (seen && now - seen.at < AUDIT_EVERY_MS) {
      seen.since += 1;
      return;
    }
    this.refusals.set(admission.address, {at: now, since: 0});
    if (this.refusals.size > 10_000) this.refusals.clear();
    void this.access()
      .then((access) =>
        access.record(
          {...ANONYMOUS, label: admission.address},
          {
            action: 'network.firewall.refused',
            target: `${request.method} ${request.url.split('?')[0]}`,
            result: 'denied',
            permission: null,
            details: {
              address: admission.address,
              ...(request.peer && request.peer !== admission.address ? {peer: request.peer} : {}),
              rule: admission.rule,
              ...(seen?.since ? {refusedBefore: seen.since} : {}),
            },
          },
          {deferred: true},
        ),
      )
      .catch((error: unknown) => this.logger.warn({err: error}, 'could not record a firewall refusal'));
  }

  /** The certificate and key to serve, or undefined for plain HTTP. */
  tls(): Promise<TlsMaterial | undefined> {
    return this.tlsService.serving();
  }

  /** Called with the new material when the certificate changes (renewed, imported): the server swaps it in. */
  onTlsChanged(listener: (material: TlsMaterial | undefined) => void): () => void {
    this.tlsListeners.add(listener);
    return () => this.tlsListeners.delete(listener);
  }

  async tlsChanged(): Promise<void> {
    if (this.tlsListeners.size === 0) return;
    const material = await this.tlsService.serving().catch((error: unknown) => {
      this.logger.error({err: error}, 'reading the new certificate failed; the server keeps the one it has');
      return null;
    });
    if (material === null) return;
    for (const listener of this.tlsListeners) listener(material);
  }

  /** The server says where it listens and which routes it registered. */
  serving(info: ServingInfo | undefined): void {
    this.info = info;
  }

  get served(): ServingInfo | undefined {
    return this.info;
  }

  get ruleCount(): number | undefined {
    return this.firewall?.size;
  }
}

const refused = (address: string, position: number | null) =>
  permissionDenied(`Requests from ${address} are not allowed by this server's firewall`, {
    code: 'NETWORK_FIREWALL_DENIED',
    details: {address, rule: position},
  });
