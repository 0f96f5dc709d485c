/**
 * Command output without the command base: list queries, the JSON/YAML envelope and human rendering,
 * with no oclif import. For start-up paths that answer before oclif loads (the app's command table).
 */
export * from './command/list.js';
export * from './command/render.js';
