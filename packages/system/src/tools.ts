/**
 * The system module's MCP tools. system_ping answers any signed-in caller without touching the
 * database (it is what MCP round trips are measured with); system_status calls SystemService.status
 * as system:status does, with the caller as the actor (the service checks system:read).
 */
import {permissionDenied, type JsonSchema, type ModuleTools, type ModuleContext} from '@systemprompt/core';
import type {SystemService} from './services/system-service.js';

export interface SystemToolsOptions {
  system: SystemService;
  /** The system module's version, which system_ping names. */
  version: string;
  /** The installed modules (the context's `modules()`), which system_status lists with their versions. */
  modules: ModuleContext['modules'];
}

const EMPTY_INPUT: JsonSchema = {type: 'object', properties: {}, required: [], additionalProperties: false};

/** system_ping and system_status. */
export function addSystemTools(tools: ModuleTools, options: SystemToolsOptions): void {
  const server = `SystemPrompt OS ${options.version}`;
  tools.add({
    name: 'system_ping',
    title: 'Ping',
    description: "Answers at once with the server's time: checks that the MCP connection and the credential work.",
    permission: 'authenticated',
    inputSchema: EMPTY_INPUT,
    outputSchema: {
      type: 'object',
      properties: {
        time: {type: 'string', description: "The server's time, ISO 8601."},
        server: {type: 'string', description: 'What answered.'},
      },
      required: ['time'],
    },
    annotations: {readOnlyHint: true, destructiveHint: false, idempotentHint: true},
    // Any signed-in caller: the mcp module lists and calls it for every actor but nobody, and so does this.
    handler: async (_input, {actor}) => {
      if (actor.kind === 'anonymous')
        throw permissionDenied('system_ping needs a signed-in caller', {
          code: 'PERMISSION_DENIED',
          hint: 'Connect with an API key or a token.',
        });
      return {time: new Date().toISOString(), server};
    },
  });

  const {modules, system} = options;
  tools.add({
    name: 'system_status',
    title: 'System status',
    description:
      'Node.js and OS versions, CPUs, load and memory of the host, every installed module with its version, and whether the server runs (its PID, address, uptime, memory and CPU from its last heartbeat), as system:status. Needs system:read.',
    permission: 'system:read',
    inputSchema: EMPTY_INPUT,
    outputSchema: {
      type: 'object',
      properties: {
        node: {type: 'string'},
        os: {type: 'string'},
        hostname: {type: 'string'},
        cpus: {type: 'integer'},
        load: {type: 'array', items: {type: 'number'}, description: 'Load averages over 1, 5 and 15 minutes.'},
        memory: {
          type: 'object',
          properties: {totalBytes: {type: 'number'}, freeBytes: {type: 'number'}},
          required: ['totalBytes', 'freeBytes'],
        },
        hostUptimeSeconds: {type: 'number'},
        server: {
          type: 'object',
          properties: {
            running: {type: 'boolean'},
            pid: {type: 'integer'},
            host: {type: 'string'},
            port: {type: 'integer'},
            url: {type: 'string'},
            state: {type: 'string'},
            detached: {type: 'boolean'},
            startedAt: {type: 'string'},
            uptimeSeconds: {type: 'number'},
            rssBytes: {type: 'number'},
            cpuPercent: {type: 'number'},
          },
          required: ['running'],
        },
        modules: {
          type: 'array',
          items: {
            type: 'object',
            properties: {name: {type: 'string'}, version: {type: 'string'}, enabled: {type: 'boolean'}},
            required: ['name', 'version', 'enabled'],
          },
        },
      },
      required: ['node', 'os', 'hostname', 'cpus', 'load', 'memory', 'hostUptimeSeconds', 'server', 'modules'],
    },
    annotations: {readOnlyHint: true, destructiveHint: false, idempotentHint: true},
    handler: async (_input, {actor}) => {
      // As system:status lists them.
      const versions = modules()
        .map((record) => ({name: record.name, version: record.version, enabled: record.enabled}))
        .sort((a, b) => a.name.localeCompare(b.name));
      return system.status(actor, versions);
    },
  });
}
