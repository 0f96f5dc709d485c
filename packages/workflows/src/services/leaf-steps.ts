import {ExitCode, SystemPromptError, invalidInput, permissionDenied, unavailable, type Actor} from '@systemprompt/core';
import type {ToolCaller} from '@systemprompt/mcp';
import type {HttpStep} from '../generated/workflow.js';

type ToolResult = Awaited<ReturnType<ToolCaller['call']>>['result'];

/** What a tool's result becomes as a step output: its structured content, else its text (parsed when it is JSON). */
function toolOutput(result: ToolResult): unknown {
  if (result.structuredContent) return result.structuredContent;
  const texts = result.content.filter((part): part is {type: 'text'; text: string} => part.type === 'text');
  if (texts.length !== 1 || texts.length !== result.content.length) return result.content;
  const text = texts[0]!.text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const resultText = (result: ToolResult): string =>
  result.content
    .map((part) => (typeof (part as {text?: unknown}).text === 'string' ? (part as {text: string}).text : ''))
    .join(' ')
    .trim() || 'no message';

/**
 * A tool step: the tool called as the run's user through the same path as an MCP client's
 * tools/call (rate limit, permission, argument validation, audit). A refusal fails the step with
 * the refusal's words; an unknown tool fails it as TOOL_NOT_FOUND.
 */
export async function runToolStep(
  calls: ToolCaller,
  actor: Actor,
  tool: string,
  args: unknown,
  signal: AbortSignal,
): Promise<unknown> {
  const {outcome, result} = await calls.call(actor, tool, args, signal);
  const text = resultText(result);
  switch (outcome) {
    case 'ok':
      return toolOutput(result);
    case 'denied':
      throw permissionDenied(`The tool ${tool} was refused: ${text}`, {code: 'STEP_TOOL_DENIED', details: {tool}});
    case 'invalid':
      throw invalidInput(`The tool ${tool} refused its arguments: ${text}`, {
        code: 'STEP_TOOL_INVALID',
        details: {tool},
      });
    case 'limited':
      throw unavailable(`The tool ${tool} was refused: ${text}`, {code: 'STEP_TOOL_LIMITED', details: {tool}});
    case 'error':
    case 'unknown':
      throw new SystemPromptError(`The tool ${tool} failed: ${text}`, {
        code: 'STEP_TOOL_FAILED',
        exitCode: ExitCode.Unexpected,
        details: {tool},
      });
  }
}

export interface HttpRequestPlan {
  method: NonNullable<HttpStep['method']>;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  allowStatus: HttpStep['allowStatus'];
  /** run:<run id>:<step path>, sent as Idempotency-Key unless the step sets that header. */
  idempotencyKey: string;
  maxBytes: number;
}

export interface HttpOutput {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** Set when the body was cut to fit maxOutputBytes. */
  truncated?: true;
}

/** At most `limit` bytes of a body; whether there was more. */
async function readBody(response: Response, limit: number): Promise<{bytes: Buffer; cut: boolean}> {
  if (!response.body) return {bytes: Buffer.alloc(0), cut: false};
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const {done, value} = await reader.read();
    if (done) return {bytes: Buffer.concat(chunks), cut: false};
    chunks.push(Buffer.from(value));
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return {bytes: Buffer.concat(chunks).subarray(0, limit), cut: true};
    }
  }
}

/** Where a request went, for messages: no query string, which may carry a token. */
const shown = (url: URL) => `${url.origin}${url.pathname}`;

/**
 * An http step: the request as planned (templates already filled in), the answer's status, headers and
 * body (JSON when it says so, else text) as the output. A status outside 2xx fails the step unless
 * allowStatus allows it; so does a failed connection. The body is cut so the output fits maxBytes.
 */
export async function runHttpStep(plan: HttpRequestPlan, signal: AbortSignal): Promise<HttpOutput> {
  let url: URL;
  try {
    url = new URL(plan.url);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidInput(`The URL ${JSON.stringify(plan.url.slice(0, 200))} is not an http:// or https:// URL`, {
      code: 'STEP_URL_INVALID',
    });
  const headers = new Headers(plan.headers);
  if (!headers.has('idempotency-key')) headers.set('idempotency-key', plan.idempotencyKey);
  let body: string | undefined;
  if (plan.body !== undefined && plan.body !== null && plan.method !== 'GET' && plan.method !== 'HEAD') {
    if (typeof plan.body === 'string') body = plan.body;
    else {
      body = JSON.stringify(plan.body);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
  }
  let response: Response;
  try {
    response = await fetch(url, {method: plan.method, headers, body, signal});
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const cause = (error as {cause?: {code?: string; message?: string}}).cause;
    throw unavailable(
      `${plan.method} ${shown(url)} failed: ${cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))}`,
      {code: 'STEP_HTTP_FAILED'},
    );
  }
  const {bytes, cut} = await readBody(response, plan.maxBytes);
  const text = bytes.toString('utf8');
  let value: unknown = text;
  if (!cut && /\bjson\b/i.test(response.headers.get('content-type') ?? '') && text !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
  }
  const output: HttpOutput = {status: response.status, headers: Object.fromEntries(response.headers), body: value};
  if (cut) output.truncated = true;
  fitOutput(output, plan.maxBytes);
  const allowed =
    (response.status >= 200 && response.status < 300) ||
    plan.allowStatus === true ||
    (Array.isArray(plan.allowStatus) && plan.allowStatus.includes(response.status));
  if (!allowed)
    throw unavailable(`${plan.method} ${shown(url)} answered ${response.status} ${response.statusText}`.trim(), {
      code: 'STEP_HTTP_STATUS',
      details: {status: response.status, body: text.slice(0, 500)},
    });
  return output;
}

/** Cuts the body (as text) until the whole output's JSON is at most `maxBytes`. */
function fitOutput(output: HttpOutput, maxBytes: number): void {
  for (
    let size = Buffer.byteLength(JSON.stringify(output));
    size > maxBytes;
    size = Buffer.byteLength(JSON.stringify(output))
  ) {
    const text = typeof output.body === 'string' ? output.body : JSON.stringify(output.body);
    // Headers alone too large: the store refuses the output (STEP_OUTPUT_TOO_LARGE) rather than loop here.
    if (text === '') return;
    output.body = text.slice(0, Math.max(0, Math.floor((text.length * maxBytes) / size) - 1024));
    output.truncated = true;
  }
}
