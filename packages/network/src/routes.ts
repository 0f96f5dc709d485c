import type {HttpRoutes} from '@systemprompt/core';
import type {NetworkService} from './services/network.js';

/** The network module's HTTP API: what the server serving it listens on and which routes it registered. */
export function addNetworkRoutes(http: HttpRoutes, network: NetworkService): void {
  http.add({
    method: 'GET',
    path: '/status',
    permission: 'network:read',
    summary: "This server's listeners, open connections and the firewall rules it has loaded.",
    handler: async ({actor}) => network.serverReport(actor),
  });
  http.add({
    method: 'GET',
    path: '/routes',
    permission: 'network:read',
    summary: 'Every route this server registered with fastify: method, path, module, permission.',
    handler: async ({actor}) => network.servedRoutes(actor),
  });
}
