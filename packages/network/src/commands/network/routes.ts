import {Flags, SystemPromptCommand, textResult, type TextResult} from '@systemprompt/core';
import type {ServedRoute} from '../../services/gate.js';
import {NETWORK} from '../../token.js';

export default class NetworkRoutes extends SystemPromptCommand<typeof NetworkRoutes> {
  static override summary = 'Every HTTP route of the running server: method, path, module, required permission.';
  static override description =
    "Takes network:read. The list is the running server's own: every route it registered with fastify (its onRoute hook), including the HEAD routes fastify adds for GET, the server's /health, /ready and /metrics, the modules' /api/<module> routes and their mounts (/mcp, /.well-known/*). permission is a permission name, authenticated (any credential) or public. Exit 6 when no server runs.";
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> --tree',
  ];
  static override flags = {
    tree: Flags.boolean({description: "Print fastify's own route tree (printRoutes) of the server instead."}),
  };
  static override columns = ['method', 'url', 'module', 'permission', 'summary'];

  async run(): Promise<ServedRoute[] | TextResult> {
    const {network} = await this.service(NETWORK);
    const view = await network.routes(await this.actor());
    this.meta.server = view.server;
    if (this.flags.tree) return textResult(view.tree ?? '', {server: view.server, tree: view.tree});
    return view.routes;
  }
}
