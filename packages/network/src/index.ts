import {BaseModule, packageVersionOf, type HealthStatus, type ModuleContext} from '@systemprompt/core';
import {DATABASE} from '@systemprompt/database';
import {NETWORK_ENTITIES} from './entities.js';
import type {NetworkConfig} from './generated/config.js';
import {addNetworkRoutes} from './routes.js';
import {FirewallService} from './services/firewall.js';
import {NetworkGate} from './services/gate.js';
import {NetworkService} from './services/network.js';
import {ServerLink} from './services/server-link.js';
import {TlsService} from './services/tls.js';

export type {NetworkConfig} from './generated/config.js';
export {
  FirewallService,
  RULE_LIST_FIELDS,
  LOOPBACK_PROBES,
  type RuleView,
  type FirewallChange,
} from './services/firewall.js';
export {NetworkGate, type Admission, type Listener, type ServedRoute, type ServingInfo} from './services/gate.js';
export {TlsService, DEFAULT_NAMES, type TlsMaterial, type TlsView, type TlsChange} from './services/tls.js';
export {NetworkService, type StatusView, type RoutesView, type ServerReport} from './services/network.js';
export {probe, parseTarget, type ProbeResult, type Phase} from './services/probe.js';
export {CompiledFirewall, clientAddress, trustedSet, type FirewallDecision, type FirewallAction} from './firewall.js';
export {parseCidr, normalizeAddress, CidrSet, type Cidr} from './cidr.js';

/** What the network module publishes: to its commands, and to the server (the gate). */
export interface NetworkApi {
  config: NetworkConfig;
  firewall: FirewallService;
  tls: TlsService;
  network: NetworkService;
  /** The server's side: admit(), tls(), serving(). */
  gate: NetworkGate;
}

export class NetworkModule extends BaseModule<NetworkConfig> {
  readonly name = 'network';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;
  private api: NetworkApi | undefined;

  override async initialize(context: ModuleContext<NetworkConfig>): Promise<void> {
    await super.initialize(context);
    const {config, events, logger} = context;
    const db = await context.services.get(DATABASE).forModule(context, NETWORK_ENTITIES);
    const access = await context.access();
    const firewall = new FirewallService(db, access, events, config.firewallDefault);
    const tls = new TlsService(context.paths.config, config, access, events);
    const gate = new NetworkGate(firewall, tls, config, async () => access, logger);
    const link = new ServerLink(context.systemPaths.data, async () => (await tls.material())?.ca);
    const network = new NetworkService(config, access, firewall, tls, link, gate);
    // Changes made by CLI commands and other servers arrive through the event store (the server polls it).
    events.on('network.firewall.changed', () => gate.reload());
    events.on('network.tls.changed', () => gate.tlsChanged());
    addNetworkRoutes(context.http, network);
    this.api = {config, firewall, tls, network, gate};
    context.provide<NetworkApi>(this.api);
  }

  /** Unhealthy once the certificate in use has expired (or cannot be read); a warning in the message before. */
  override async healthCheck(): Promise<HealthStatus> {
    if (!this.api) return {healthy: true};
    try {
      const view = await this.api.tls.inspect();
      if (view.state === 'expired') return {healthy: false, message: view.warning!};
      if (view.state === 'expiring') return {healthy: true, message: `warning: ${view.warning!}`};
      if (view.state === 'none') return {healthy: true, message: 'plain HTTP (no certificate installed)'};
      return {
        healthy: true,
        message: `${view.https ? 'HTTPS' : 'certificate installed, HTTPS off'}; certificate valid until ${view.certificate!.notAfter}`,
      };
    } catch (error) {
      return {healthy: false, message: `the certificate cannot be read: ${(error as Error).message}`};
    }
  }
}

export default (): NetworkModule => new NetworkModule();
export {NETWORK} from './token.js';
