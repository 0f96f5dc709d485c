/**
 * MCP tools as modules declare them: a name, a JSON Schema for the input (and one for the output),
 * the permission a caller needs to see it, and a handler that calls the module's service. The mcp
 * module serves them to AI clients; it validates the input against the schema before the handler
 * runs. The handler calls the same service method as the CLI, whose own permission check decides.
 */
import type {Actor} from './actor.js';

/** `[A-Za-z0-9_-]{1,64}`: several model APIs accept nothing else in function names. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A JSON Schema object (draft 2020-12), as ajv reads it. */
export type JsonSchema = Record<string, unknown>;

export interface ToolCallContext {
  /** Who calls: the MCP client's user (API key or token), or the local operator over stdio. */
  actor: Actor;
  /** Aborted when the client cancels or the server stops. */
  signal: AbortSignal;
}

export interface ToolAnnotations {
  /** The tool changes nothing. */
  readOnlyHint?: boolean;
  /** The tool may delete or overwrite data. */
  destructiveHint?: boolean;
  /** Calling it twice with the same input changes nothing more. */
  idempotentHint?: boolean;
}

export interface ToolDefinition {
  /** `<module>_<action>` (`users_list`); listed in the module's module.yaml `tools`. */
  name: string;
  title?: string;
  description: string;
  /**
   * What a caller must hold for the tool to be listed: the permission of the service method it calls
   * (the service checks it again), or `authenticated` for any signed-in caller.
   */
  permission: string;
  /** An object schema; properties marked `"secret": true` (or `writeOnly`) are never stored in clear. */
  inputSchema: JsonSchema;
  /** The schema of the structured result (`structuredContent`), when the tool returns one. */
  outputSchema?: JsonSchema;
  annotations?: ToolAnnotations;
  /** Returns the structured result (an object), or a string for a text-only result. */
  handler(input: Record<string, unknown>, context: ToolCallContext): Promise<unknown>;
}

/** A tool as the registry knows it: with the module that provides it. */
export interface RegisteredTool extends ToolDefinition {
  module: string;
}

export interface ModuleTools {
  add(tool: ToolDefinition): void;
  /** Every tool the booted modules added (a live view: modules booted later add theirs). */
  list(): readonly RegisteredTool[];
}

/** Names of the properties of an input schema whose values must not be stored in clear. */
export function secretProperties(schema: JsonSchema): string[] {
  const properties = (schema.properties ?? {}) as Record<string, {secret?: unknown; writeOnly?: unknown}>;
  return Object.entries(properties)
    .filter(([, property]) => property?.secret === true || property?.writeOnly === true)
    .map(([name]) => name);
}

/** The input with secret properties replaced, for audit records and logs. */
export function redactSecrets(schema: JsonSchema, input: Record<string, unknown>): Record<string, unknown> {
  const secrets = secretProperties(schema);
  if (secrets.length === 0) return input;
  const copy = {...input};
  for (const name of secrets) if (name in copy) copy[name] = '[redacted]';
  return copy;
}
