import {readFile} from 'node:fs/promises';
import {invalidInput, unavailable, type AccessProvider, type Actor} from '@systemprompt/core';
import type {NetworkConfig} from '../generated/config.js';
import type {FirewallService} from './firewall.js';
import type {Listener, NetworkGate, ServedRoute} from './gate.js';
import {probe, type ProbeOptions, type ProbeResult} from './probe.js';
import type {ServerLink} from './server-link.js';
import type {TlsService, TlsView} from './tls.js';

/** What the running server reports about itself (GET /api/network/status). */
export interface ServerReport {
  url: string;
  listeners: Listener[];
  connections: number;
  /** Rules the server has loaded (it reloads on network.firewall.changed). */
  firewallRules: number | null;
}

export interface StatusView {
  server: {running: boolean; url: string | null; pid: number | null; state: string | null};
  listeners: Listener[];
  connections: number | null;
  tls: TlsView;
  firewall: {rules: number; loadedByServer: number | null; default: string; trustedProxies: string[]};
  warnings: string[];
}

export interface RoutesView {
  server: string;
  routes: ServedRoute[];
  /** fastify's printRoutes tree of the same server (network:routes --tree shows it). */
  tree: string | null;
}

/**
 * network:status, network:routes and network:test. Each checks network:read first. Status and routes
 * come from the running server (what it really listens on and registered with fastify); status also
 * works without one and says so.
 */
export class NetworkService {
  constructor(
    private readonly config: NetworkConfig,
    private readonly access: AccessProvider,
    private readonly firewall: FirewallService,
    private readonly tls: TlsService,
    private readonly link: ServerLink,
    private readonly gate: NetworkGate,
  ) {}

  async status(actor: Actor): Promise<StatusView> {
    await this.access.authorize(actor, 'network:read', 'network.status');
    const server = this.link.running();
    const [tls, rules] = await Promise.all([this.tls.inspect(), this.firewall.rows()]);
    const warnings = tls.warning ? [tls.warning] : [];
    let report: ServerReport | undefined;
    if (server) {
      try {
        report = await this.link.getJson<ServerReport>(server, '/api/network/status');
      } catch (error) {
        warnings.push((error as Error).message);
      }
    }
    return {
      server: {
        running: Boolean(server),
        url: report?.url ?? server?.url ?? null,
        pid: server?.pid ?? null,
        state: server?.state ?? null,
      },
      listeners: report?.listeners ?? [],
      connections: report?.connections ?? null,
      tls,
      firewall: {
        rules: rules.length,
        loadedByServer: report?.firewallRules ?? null,
        default: this.config.firewallDefault,
        trustedProxies: [...this.config.trustedProxies],
      },
      warnings,
    };
  }

  /** The running server's own report (its network status route; the actor was checked by the route's permission). */
  async serverReport(actor: Actor): Promise<ServerReport> {
    await this.access.authorize(actor, 'network:read', 'network.status');
    const info = this.gate.served;
    if (!info) throw notServing();
    return {
      url: info.url,
      listeners: info.listeners,
      connections: await info.connections(),
      firewallRules: this.gate.ruleCount ?? null,
    };
  }

  /** The routes the server registered with fastify, in registration order. */
  async servedRoutes(actor: Actor): Promise<RoutesView> {
    await this.access.authorize(actor, 'network:read', 'network.routes');
    const info = this.gate.served;
    if (!info) throw notServing();
    return {server: info.url, routes: info.routes, tree: info.tree?.() ?? null};
  }

  async routes(actor: Actor): Promise<RoutesView> {
    await this.access.authorize(actor, 'network:read', 'network.routes');
    const server = this.link.running();
    if (!server)
      throw unavailable("No server of this installation is running: the route table is the running server's", {
        code: 'NETWORK_SERVER_NOT_RUNNING',
        hint: 'Start one with system:start.',
      });
    return this.link.getJson<RoutesView>(server, '/api/network/routes');
  }

  async test(actor: Actor, target: string, options: ProbeOptions & {caFile?: string} = {}): Promise<ProbeResult> {
    await this.access.authorize(actor, 'network:read', 'network.test', target);
    let ca = options.ca;
    if (options.caFile) {
      ca = await readFile(options.caFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw invalidInput(`Cannot read --ca ${options.caFile}: ${error.code ?? error.message}`, {
          code: 'NETWORK_TARGET_INVALID',
        });
      });
    }
    return probe(target, {...options, ...(ca ? {ca} : {})});
  }
}

const notServing = () =>
  unavailable('This process is not serving HTTP', {
    code: 'NETWORK_SERVER_NOT_RUNNING',
    hint: 'Start one with system:start.',
  });
