/**
 * The database module's MCP tools: database_status calls DatabaseService.status, as database:status
 * does, with the caller as the actor (the service checks database:read).
 */
import type {ModuleContext, ModuleTools} from '@systemprompt/core';
import type {DatabaseService} from './services/database-service.js';

/**
 * database_status. It reports every installed module's tables and pending migrations: `modules` gives
 * the installed modules (the context's `modules()`), read at each call as database:status reads them.
 */
export function addDatabaseTools(
  tools: ModuleTools,
  database: DatabaseService,
  modules: ModuleContext['modules'],
): void {
  tools.add({
    name: 'database_status',
    title: 'Database status',
    description:
      'The database: engine, version, location (never a password), size, tables per module, applied and pending migrations, round-trip latency (as database:status). Needs database:read.',
    permission: 'database:read',
    inputSchema: {type: 'object', properties: {}, required: [], additionalProperties: false},
    outputSchema: {
      type: 'object',
      properties: {
        engine: {type: 'string', enum: ['sqlite', 'mysql']},
        version: {type: 'string', description: 'The server or library version.'},
        location: {type: 'string', description: 'The SQLite file, or host and database name.'},
        sizeBytes: {type: 'number'},
        latencyMs: {type: 'number', description: 'Round trip of SELECT 1.'},
        tableCount: {type: 'integer'},
        tablesByModule: {type: 'object', additionalProperties: {type: 'integer'}},
        migrations: {
          type: 'object',
          properties: {applied: {type: 'integer'}, pending: {type: 'integer'}},
          required: ['applied', 'pending'],
        },
        pendingMigrations: {type: 'array', items: {type: 'string'}, description: 'module/migration names.'},
      },
      required: [
        'engine',
        'version',
        'location',
        'sizeBytes',
        'latencyMs',
        'tableCount',
        'tablesByModule',
        'migrations',
        'pendingMigrations',
      ],
    },
    annotations: {readOnlyHint: true, destructiveHint: false, idempotentHint: true},
    handler: async (_input, {actor}) => database.status(actor, modules()),
  });
}
