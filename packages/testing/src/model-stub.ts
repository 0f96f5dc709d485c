import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';

/**
 * A scripted model server on 127.0.0.1 for tests of code that calls a model through the AI SDK: it
 * speaks the OpenAI chat completions or the Anthropic messages wire format (JSON and SSE), answers
 * each request with the next step of a script, and records what it was asked.
 */

export type ModelFormat = 'openai' | 'anthropic';
export interface StubToolCall {
  name: string;
  arguments: Record<string, unknown>;
  id?: string;
}
export interface StubUsage {
  input: number;
  output: number;
}
/** One answer of the model. */
export type StubTurn =
  /** A final answer. */
  | {text: string; usage?: StubUsage}
  /** Asks for tool calls (with some text before them, if given). */
  | {toolCalls: StubToolCall[]; text?: string; usage?: StubUsage}
  /** An HTTP error; `body` (default: the provider's error shape) is sent as JSON, or as is when a string. */
  | {status: number; headers?: Record<string, string>; body?: unknown}
  /** Accepts the request and never answers (until close). */
  | {hang: true};
/** A turn, or a function of the recorded request that returns one (may be async: a test can hold a request open until it says so). */
export type StubStep = StubTurn | ((request: StubRequest) => StubTurn | Promise<StubTurn>);
export interface StubRequest {
  /** 0-based order of arrival among model requests. */
  index: number;
  /** Date.now() on arrival. */
  at: number;
  /** e.g. /v1/chat/completions or /v1/messages */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (model, messages, tools, stream ...). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the provider's own request shape, whatever it is
  body: any;
}
export interface ModelStub {
  format: ModelFormat;
  /** Base URL to configure the provider with: http://127.0.0.1:PORT/v1 */
  url: string;
  /**
   * Every model request that took a script step, in order (not /models; not those refused with 401
   * for a wrong key or 400 for a malformed body, which take no step).
   */
  requests: StubRequest[];
  /** Appends steps to the script. */
  push(...steps: StubStep[]): void;
  /** Resolves when at least n model requests have arrived; rejects after timeoutMs (default 5000). */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  /** Stops the server and ends hung or held requests (their sockets are destroyed). */
  close(): Promise<void>;
}
export interface ModelStubOptions {
  format: ModelFormat;
  script?: StubStep[];
  /** Used when the script is used up; default: an HTTP 500 whose error message says the script is exhausted. */
  fallback?: StubStep;
  /** Models listed at GET /v1/models (default ['stub-model']). */
  models?: string[];
  /** If set, requests without this key (Authorization: Bearer KEY for openai, x-api-key for anthropic) get 401. */
  apiKey?: string;
}

/** A model's answer with everything filled in: tool call ids and usage. */
interface Answer {
  text: string;
  toolCalls: Required<StubToolCall>[];
  usage: StubUsage;
}

/** What the stub reads from a request body to shape its answer. */
interface ModelRequestBody {
  model?: unknown;
  stream?: unknown;
  stream_options?: {include_usage?: unknown} | null;
}

/** One provider's wire format. */
interface Wire {
  modelPath: string;
  toolCallIdPrefix: string;
  authorized(headers: IncomingMessage['headers'], apiKey: string): boolean;
  error(status: number, message: string): unknown;
  models(ids: string[]): unknown;
  message(answer: Answer, model: string, id: number): unknown;
  /** The SSE frames of a streamed answer, in order. */
  events(answer: Answer, model: string, id: number, body: ModelRequestBody): string[];
}

const DEFAULT_USAGE: StubUsage = {input: 10, output: 5};

/** Word-sized pieces that join back into `text` exactly, so clients see several deltas. */
function textPieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** Fragments of a JSON string, as providers stream tool arguments. */
function jsonFragments(json: string, size = 8): string[] {
  const fragments: string[] = [];
  for (let start = 0; start < json.length; start += size) fragments.push(json.slice(start, start + size));
  return fragments;
}

// [type, code] of OpenAI's error bodies (pairs, not `code:` properties: these are OpenAI's codes, not the OS's).
const OPENAI_ERROR_KINDS: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  404: ['invalid_request_error', 'not_found'],
  429: ['requests', 'rate_limit_exceeded'],
};

const openai: Wire = {
  modelPath: '/v1/chat/completions',
  toolCallIdPrefix: 'call_',
  authorized: (headers, apiKey) => headers.authorization === `Bearer ${apiKey}`,
  error(status, message) {
    const [type, code] = OPENAI_ERROR_KINDS[status] ?? [status >= 500 ? 'server_error' : 'invalid_request_error', null];
    return {error: {message, type, param: null, code}};
  },
  models: (ids) => ({object: 'list', data: ids.map((id) => ({id, object: 'model', created: 0, owned_by: 'stub'}))}),
  message(answer, model, id) {
    const toolCalls = answer.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: {name: call.name, arguments: JSON.stringify(call.arguments)},
    }));
    const message = {
      role: 'assistant',
      content: answer.text === '' && toolCalls.length > 0 ? null : answer.text,
      refusal: null,
      ...(toolCalls.length > 0 ? {tool_calls: toolCalls} : {}),
    };
    return {
      ...openaiEnvelope('chat.completion', model, id),
      choices: [{index: 0, message, logprobs: null, finish_reason: openaiFinishReason(answer)}],
      usage: openaiUsage(answer.usage),
    };
  },
  events(answer, model, id, body) {
    const includeUsage = body.stream_options?.include_usage === true;
    // With include_usage, OpenAI sends `usage: null` on every chunk but the last one.
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
      ...openaiEnvelope('chat.completion.chunk', model, id),
      choices: [{index: 0, delta, logprobs: null, finish_reason: finishReason}],
      ...(includeUsage ? {usage: null} : {}),
    });
    const chunks: unknown[] = [chunk({role: 'assistant', content: '', refusal: null})];
    for (const piece of textPieces(answer.text)) chunks.push(chunk({content: piece}));
    answer.toolCalls.forEach((call, index) => {
      chunks.push(
        chunk({tool_calls: [{index, id: call.id, type: 'function', function: {name: call.name, arguments: ''}}]}),
      );
      for (const fragment of jsonFragments(JSON.stringify(call.arguments)))
        chunks.push(chunk({tool_calls: [{index, function: {arguments: fragment}}]}));
    });
    chunks.push(chunk({}, openaiFinishReason(answer)));
    if (includeUsage)
      chunks.push({
        ...openaiEnvelope('chat.completion.chunk', model, id),
        choices: [],
        usage: openaiUsage(answer.usage),
      });
    return [...chunks.map((data) => `data: ${JSON.stringify(data)}\n\n`), 'data: [DONE]\n\n'];
  },
};

function openaiEnvelope(object: string, model: string, id: number) {
  return {id: `chatcmpl-stub-${id}`, object, created: Math.floor(Date.now() / 1000), model, system_fingerprint: null};
}
function openaiFinishReason(answer: Answer): string {
  return answer.toolCalls.length > 0 ? 'tool_calls' : 'stop';
}
function openaiUsage(usage: StubUsage) {
  return {prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output};
}

const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

const anthropic: Wire = {
  modelPath: '/v1/messages',
  toolCallIdPrefix: 'toolu_',
  authorized: (headers, apiKey) => headers['x-api-key'] === apiKey,
  error: (status, message) => ({
    type: 'error',
    error: {type: ANTHROPIC_ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'), message},
  }),
  models: (ids) => ({
    data: ids.map((id) => ({id, type: 'model', display_name: id, created_at: '2025-01-01T00:00:00Z'})),
    has_more: false,
    first_id: ids[0] ?? null,
    last_id: ids.at(-1) ?? null,
  }),
  message(answer, model, id) {
    const content: unknown[] = anthropicHasText(answer) ? [{type: 'text', text: answer.text}] : [];
    for (const call of answer.toolCalls)
      content.push({type: 'tool_use', id: call.id, name: call.name, input: call.arguments});
    return {
      id: `msg_stub_${id}`,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: anthropicStopReason(answer),
      stop_sequence: null,
      usage: {input_tokens: answer.usage.input, output_tokens: answer.usage.output},
    };
  },
  events(answer, model, id) {
    const events: [string, unknown][] = [];
    const emit = (type: string, data: Record<string, unknown> = {}) => events.push([type, {type, ...data}]);
    emit('message_start', {
      message: {
        id: `msg_stub_${id}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // Anthropic reports the input here and the output, cumulatively, in message_delta.
        usage: {input_tokens: answer.usage.input, output_tokens: 1},
      },
    });
    emit('ping');
    let index = 0;
    if (anthropicHasText(answer)) {
      emit('content_block_start', {index, content_block: {type: 'text', text: ''}});
      for (const piece of textPieces(answer.text))
        emit('content_block_delta', {index, delta: {type: 'text_delta', text: piece}});
      emit('content_block_stop', {index});
      index += 1;
    }
    for (const call of answer.toolCalls) {
      emit('content_block_start', {index, content_block: {type: 'tool_use', id: call.id, name: call.name, input: {}}});
      for (const fragment of ['', ...jsonFragments(JSON.stringify(call.arguments))])
        emit('content_block_delta', {index, delta: {type: 'input_json_delta', partial_json: fragment}});
      emit('content_block_stop', {index});
      index += 1;
    }
    emit('message_delta', {
      delta: {stop_reason: anthropicStopReason(answer), stop_sequence: null},
      usage: {output_tokens: answer.usage.output},
    });
    emit('message_stop');
    return events.map(([type, data]) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  },
};

// A final answer always has a text block; a tool call turn has one only when it says something first.
function anthropicHasText(answer: Answer): boolean {
  return answer.text !== '' || answer.toolCalls.length === 0;
}
function anthropicStopReason(answer: Answer): string {
  return answer.toolCalls.length > 0 ? 'tool_use' : 'end_turn';
}

const WIRES: Record<ModelFormat, Wire> = {openai, anthropic};

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const contentType = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  response.writeHead(status, {'content-type': contentType, ...headers});
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts a model stub on 127.0.0.1 (a free port); close it in `after`/`afterEach`. */
export async function startModelStub(options: ModelStubOptions): Promise<ModelStub> {
  const wire = WIRES[options.format];
  const models = options.models ?? ['stub-model'];
  const steps: StubStep[] = [...(options.script ?? [])];
  const fallback: StubStep =
    options.fallback ??
    ((request) => ({
      status: 500,
      body: wire.error(500, `model stub: the script is exhausted (${steps.length} steps; request ${request.index})`),
    }));
  const requests: StubRequest[] = [];
  const waiters = new Set<{n: number; settle(error?: Error): void}>();
  const sockets = new Set<Socket>();
  let nextStep = 0;
  let toolCallCount = 0;

  const record = (request: StubRequest): void => {
    requests.push(request);
    for (const waiter of waiters) if (requests.length >= waiter.n) waiter.settle();
  };

  const fill = (turn: {text?: string; toolCalls?: StubToolCall[]; usage?: StubUsage}): Answer => ({
    text: turn.text ?? '',
    toolCalls: (turn.toolCalls ?? []).map((call) => ({
      name: call.name,
      arguments: call.arguments,
      id: call.id ?? `${wire.toolCallIdPrefix}${++toolCallCount}`,
    })),
    usage: turn.usage ?? DEFAULT_USAGE,
  });

  const answer = (response: ServerResponse, turn: StubTurn, body: ModelRequestBody, id: number): void => {
    if ('hang' in turn) return;
    if ('status' in turn) {
      sendJson(
        response,
        turn.status,
        turn.body ?? wire.error(turn.status, `model stub: scripted HTTP ${turn.status}`),
        turn.headers,
      );
      return;
    }
    if (!('text' in turn) && !('toolCalls' in turn)) throw new Error(`model stub: not a turn: ${JSON.stringify(turn)}`);
    const filled = fill(turn);
    const model = typeof body.model === 'string' ? body.model : (models[0] ?? 'stub-model');
    if (body.stream !== true) {
      sendJson(response, 200, wire.message(filled, model, id));
      return;
    }
    response.writeHead(200, {'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache'});
    for (const frame of wire.events(filled, model, id, body)) response.write(frame);
    response.end();
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const at = Date.now();
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const route = `${request.method} ${path}`;
    const refused = options.apiKey !== undefined && !wire.authorized(request.headers, options.apiKey);
    if (route === 'GET /v1/models') {
      if (refused) sendJson(response, 401, wire.error(401, 'model stub: invalid API key'));
      else sendJson(response, 200, wire.models(models));
      return;
    }
    if (route !== `POST ${wire.modelPath}`) {
      sendJson(response, 404, wire.error(404, `model stub: no route ${route}`));
      return;
    }
    const raw = await readBody(request);
    if (refused) {
      sendJson(response, 401, wire.error(401, 'model stub: invalid API key'));
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (error) {
      sendJson(response, 400, wire.error(400, `model stub: malformed JSON body: ${(error as Error).message}`));
      return;
    }
    if (body === null || typeof body !== 'object') {
      sendJson(response, 400, wire.error(400, 'model stub: the body is not a JSON object'));
      return;
    }
    const stubRequest: StubRequest = {index: requests.length, at, path, headers: {...request.headers}, body};
    // A cursor, not the request's index: steps pushed after the script ran out are the next ones used.
    const step = nextStep < steps.length ? steps[nextStep++]! : fallback;
    record(stubRequest);
    const turn = typeof step === 'function' ? await step(stubRequest) : step;
    // The client may have gone, or the stub been closed, while a step function held the request.
    if (response.destroyed) return;
    answer(response, turn, body, stubRequest.index + 1);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      // A failing step function or a broken request must answer something, never crash the test run.
      if (response.headersSent || response.destroyed) response.destroy();
      else
        sendJson(
          response,
          500,
          wire.error(500, `model stub: ${error instanceof Error ? error.message : String(error)}`),
        );
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const {port} = server.address() as AddressInfo;

  return {
    format: options.format,
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    push: (...more) => void steps.push(...more),
    waitForRequests(n, timeoutMs = 5000) {
      if (requests.length >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter = {
          n,
          settle(error?: Error) {
            clearTimeout(timer);
            waiters.delete(waiter);
            if (error) reject(error);
            else resolve();
          },
        };
        const timer = setTimeout(
          () => waiter.settle(new Error(`model stub: ${requests.length} of ${n} requests arrived in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.add(waiter);
      });
    },
    async close() {
      for (const waiter of waiters) waiter.settle(new Error('model stub: closed'));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
