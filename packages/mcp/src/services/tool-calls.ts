import {
  ExitCode,
  redactSecrets,
  toSystemPromptError,
  tracing,
  type AccessProvider,
  type Actor,
  type JsonSchema,
  type Logger,
} from '@systemprompt/core';
import type {ApiModuleApi} from '@systemprompt/api';
import type {ValidateFunction} from 'ajv';
import type {CatalogueTool, ToolCatalogue} from './catalogue.js';
import type {ToolCallMetrics} from './call-metrics.js';
import type {UpstreamService} from './upstreams.js';
import {compileSchema} from './schema-validation.js';

/** A tool result as MCP carries it. */
export interface ToolResult {
  content: Array<{type: 'text'; text: string} | Record<string, unknown>>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

export type CallOutcome = 'ok' | 'error' | 'denied' | 'invalid' | 'limited' | 'unknown';

export interface ToolCallOutcome {
  outcome: CallOutcome;
  result: ToolResult;
  durationMs: number;
}

const errorResult = (text: string, meta?: Record<string, unknown>): ToolResult => ({
  content: [{type: 'text', text}],
  isError: true,
  ...(meta ? {_meta: meta} : {}),
});

/** What a module tool's return value becomes: an object is the structured content (and its JSON the text). */
function toResult(value: unknown): ToolResult {
  if (typeof value === 'string') return {content: [{type: 'text', text: value}]};
  if (value === undefined || value === null) return {content: [{type: 'text', text: 'done'}]};
  const structured = typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {value};
  return {content: [{type: 'text', text: JSON.stringify(structured)}], structuredContent: structured};
}

/**
 * Calls a tool for an actor, the one path for MCP over HTTP and stdio, mcp:tools:test and agents:
 * finds it (a disabled tool is unknown to callers), applies the caller's rate limit, refuses a caller
 * without the tool's permission before anything runs, validates the arguments against the input
 * schema, runs it (a module tool calls its service, which checks the actor again), and audits and
 * counts every call with its outcome and duration. Secret arguments are never written in clear.
 */
export class ToolCaller {
  private readonly validators = new WeakMap<JsonSchema, ValidateFunction | null>();
  /** Audit records and usage counts not yet written. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly catalogue: ToolCatalogue,
    private readonly upstreams: UpstreamService,
    private readonly access: AccessProvider,
    private readonly api: ApiModuleApi,
    private readonly metrics: ToolCallMetrics,
    private readonly logger: Logger,
  ) {}

  /** Throws TOOL_NOT_FOUND for a name no caller can call (unknown or disabled); everything else is a result. */
  async call(actor: Actor, name: string, args: unknown, signal: AbortSignal): Promise<ToolCallOutcome> {
    return tracing().span(
      `mcp tools/call ${name}`,
      {attributes: {'mcp.tool.name': name, 'enduser.id': actor.id}},
      async (span) => {
        const called = await this.run(actor, name, args, signal);
        span.setAttribute('mcp.tool.outcome', called.outcome);
        if (called.outcome === 'error') span.fail(new Error('the tool failed'));
        return called;
      },
    );
  }

  private async run(actor: Actor, name: string, args: unknown, signal: AbortSignal): Promise<ToolCallOutcome> {
    const started = performance.now();
    const tool = await this.catalogue.find(name, {enabledOnly: true});
    const input = args ?? {};
    const finish = async (outcome: CallOutcome, result: ToolResult, audit: boolean): Promise<ToolCallOutcome> => {
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      this.metrics.calls.inc({tool: tool.name, outcome});
      this.metrics.duration.observe({tool: tool.name}, durationMs / 1000);
      // Written right after the answer, group-committed with the other calls of the moment (the
      // module's stop waits for them): the answer does not wait for the audit log's transaction.
      if (audit) this.track(this.audit(actor, tool, input, outcome, durationMs, result));
      return {outcome, result, durationMs};
    };

    if (actor.kind === 'user') {
      const decision = await this.api.limits.check(actor, 'MCP tools/call');
      if (!decision.allowed) {
        const retry = decision.retryAfterSeconds;
        return finish(
          'limited',
          errorResult(`rate limited: ${decision.limit} requests per minute (${decision.source}); retry in ${retry} s`, {
            retryAfterSeconds: retry,
          }),
          true,
        );
      }
      if (actor.via === 'api-key' && actor.credentialId)
        this.track(
          this.api.usage
            .record(actor.credentialId, `MCP ${tool.name}`, new Date(), {deferred: true})
            .catch((error: unknown) => this.logger.warn({err: error, tool: tool.name}, 'could not count a tool call')),
        );
    }

    // A tool the caller does not see is refused here, audited by authorize, and never run.
    if (!(await this.catalogue.mayUse(actor, tool.permission))) {
      try {
        await this.access.authorize(actor, tool.permission, 'mcp.tool.call', tool.name);
      } catch (error) {
        return finish('denied', errorResult(`permission denied: ${toSystemPromptError(error).message}`), false);
      }
    }

    if (typeof input !== 'object' || Array.isArray(input))
      return finish('invalid', errorResult('invalid arguments: an object is expected'), true);
    const validate = this.validator(tool.inputSchema);
    if (validate && !validate(input)) {
      const problems = (validate.errors ?? []).map(
        (error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`,
      );
      return finish('invalid', errorResult(`invalid arguments: ${problems.join('; ')}`), true);
    }

    try {
      if (tool.moduleTool) {
        const value = await tool.moduleTool.handler(input as Record<string, unknown>, {actor, signal});
        return await finish('ok', toResult(value), true);
      }
      const result = (await this.upstreams.callTool(
        tool.provider,
        tool.upstreamName!,
        input as Record<string, unknown>,
        signal,
      )) as ToolResult;
      return await finish(result.isError ? 'error' : 'ok', result, true);
    } catch (error) {
      const failure = toSystemPromptError(error);
      if (failure.exitCode === ExitCode.PermissionDenied)
        return finish('denied', errorResult(`permission denied: ${failure.message}`), true);
      if (failure.exitCode === ExitCode.InvalidInput)
        return finish('invalid', errorResult(`invalid arguments: ${failure.message}`), true);
      if (failure.exitCode === ExitCode.Unexpected) {
        this.logger.error({err: error, tool: tool.name}, 'tool failed');
        return finish('error', errorResult(`${tool.name} failed: internal error`), true);
      }
      return finish(
        'error',
        errorResult(failure.hint ? `${failure.message} (${failure.hint})` : failure.message),
        true,
      );
    }
  }

  /** Resolves once the audit records and usage counts of the calls made so far are written. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private track(write: Promise<void>): void {
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  private validator(schema: JsonSchema): ValidateFunction | null {
    let validate = this.validators.get(schema);
    if (validate === undefined) {
      validate = compileSchema(schema, (error) =>
        this.logger.warn({err: error}, 'a tool input schema does not compile; its arguments go unchecked'),
      );
      this.validators.set(schema, validate);
    }
    return validate;
  }

  private async audit(
    actor: Actor,
    tool: CatalogueTool,
    input: unknown,
    outcome: CallOutcome,
    durationMs: number,
    result: ToolResult,
  ): Promise<void> {
    const args =
      typeof input === 'object' && input !== null && !Array.isArray(input)
        ? redactSecrets(tool.inputSchema, input as Record<string, unknown>)
        : input;
    const error = result.isError ? (result.content[0] as {text?: string} | undefined)?.text : undefined;
    await this.access
      .record(
        actor,
        {
          action: 'mcp.tool.call',
          target: tool.name,
          result: outcome === 'ok' ? 'ok' : outcome === 'denied' ? 'denied' : 'failed',
          permission: tool.permission === 'authenticated' ? null : tool.permission,
          details: {outcome, durationMs, arguments: args, ...(error ? {error: error.slice(0, 500)} : {})},
        },
        {deferred: true},
      )
      .catch((failure: unknown) => this.logger.warn({err: failure, tool: tool.name}, 'could not audit a tool call'));
  }
}
