/**
 * One model call through the AI SDK, loaded only on the paths that run a model (this file is a
 * chunk of its own: `import('./runtime/model.js')`). The SDK speaks OpenAI-compatible chat
 * completions and Anthropic messages, streams, and retries 408/409/429/5xx answers as their
 * Retry-After says (else with exponential backoff).
 */
import {createAnthropic} from '@ai-sdk/anthropic';
import {createOpenAICompatible} from '@ai-sdk/openai-compatible';
import {APICallError, jsonSchema, RetryError, streamText, tool, type ModelMessage, type ToolSet} from 'ai';
import {SystemPromptError, ExitCode, tracedFetch} from '@systemprompt/core';
import type {ModelAnswer, ModelRequest, TranscriptEntry} from './types.js';

// The SDK prints its warnings (an unknown model's output limit, say) on the console, into a command's
// output: the loop records what matters in the task's steps instead.
(globalThis as {AI_SDK_LOG_WARNINGS?: boolean}).AI_SDK_LOG_WARNINGS = false;

/** A redirect is not followed: it would carry the key to another address. */
const noRedirects: typeof fetch = (input, init) => tracedFetch(input, {...init, redirect: 'error'});

function languageModel(request: ModelRequest) {
  const {endpoint, model} = request;
  if (endpoint.kind === 'anthropic')
    return createAnthropic({baseURL: endpoint.baseUrl, apiKey: endpoint.apiKey ?? '', fetch: noRedirects})(model);
  return createOpenAICompatible({
    name: endpoint.name,
    baseURL: endpoint.baseUrl,
    ...(endpoint.apiKey ? {apiKey: endpoint.apiKey} : {}),
    includeUsage: true,
    fetch: noRedirects,
  }).chatModel(model);
}

function messagesOf(transcript: readonly TranscriptEntry[]): ModelMessage[] {
  return transcript.map((entry): ModelMessage => {
    if (entry.role === 'user') return {role: 'user', content: entry.text};
    if (entry.role === 'assistant')
      return {
        role: 'assistant',
        content: [
          ...(entry.text ? [{type: 'text' as const, text: entry.text}] : []),
          ...entry.toolCalls.map((call) => ({
            type: 'tool-call' as const,
            toolCallId: call.id,
            toolName: call.name,
            input: call.input,
          })),
        ],
      };
    return {
      role: 'tool',
      content: entry.results.map((result) => ({
        type: 'tool-result' as const,
        toolCallId: result.id,
        toolName: result.name,
        output: result.isError
          ? {type: 'error-text' as const, value: result.output}
          : {type: 'text' as const, value: result.output},
      })),
    };
  });
}

function toolsOf(request: ModelRequest): ToolSet {
  const tools: ToolSet = {};
  for (const offered of request.tools)
    tools[offered.name] = tool({
      description: offered.description,
      inputSchema: jsonSchema(offered.inputSchema as never),
    });
  return tools;
}

/** The provider's refusal or failure as one line: status and the provider's own message, never the key. */
function failure(error: unknown, provider: string): SystemPromptError {
  const last = RetryError.isInstance(error) ? error.lastError : error;
  const attempts = RetryError.isInstance(error) ? error.errors.length : 1;
  const after = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  if (APICallError.isInstance(last)) {
    const status = last.statusCode;
    const message = (last.message || 'no message').replace(/\s+/g, ' ').slice(0, 300);
    return new SystemPromptError(
      `The model of provider "${provider}" answered HTTP ${status ?? '?'}${after}: ${message}`,
      {
        code: 'MODEL_CALL_FAILED',
        exitCode: status === 401 || status === 403 ? ExitCode.PermissionDenied : ExitCode.Unavailable,
        details: {status, attempts},
      },
    );
  }
  const text = last instanceof Error ? last.message : String(last);
  return new SystemPromptError(
    `The model of provider "${provider}" could not be called${after}: ${text.slice(0, 300)}`,
    {
      code: 'MODEL_CALL_FAILED',
      exitCode: ExitCode.Unavailable,
      details: {attempts},
    },
  );
}

/** Streams one answer of the model: its text (each piece to `onText`), the tool calls it asks for, the tokens it used. */
export async function callModel(request: ModelRequest): Promise<ModelAnswer> {
  const started = performance.now();
  let streamError: unknown;
  const result = streamText({
    model: languageModel(request),
    system: request.system,
    messages: messagesOf(request.transcript),
    ...(request.tools.length ? {tools: toolsOf(request)} : {}),
    ...(request.maxOutputTokens ? {maxOutputTokens: request.maxOutputTokens} : {}),
    maxRetries: request.maxRetries,
    abortSignal: request.signal,
    onError: ({error}) => {
      streamError = error;
    },
  });
  const answer: ModelAnswer = {
    text: '',
    toolCalls: [],
    finishReason: 'unknown',
    tokensIn: 0,
    tokensOut: 0,
    latencyMs: 0,
  };
  try {
    for await (const part of result.fullStream) {
      switch (part.type) {
        case 'text-delta':
          answer.text += part.text;
          request.onText?.(part.text);
          break;
        case 'tool-call':
          // A call of a tool the model was not offered (or with unreadable arguments) still comes
          // through: the loop refuses or the tool's permission check denies it, on the record.
          answer.toolCalls.push({id: part.toolCallId, name: part.toolName, input: part.input});
          break;
        case 'tool-error':
          if (!answer.toolCalls.some((call) => call.id === part.toolCallId))
            answer.toolCalls.push({id: part.toolCallId, name: part.toolName, input: part.input});
          break;
        case 'finish-step':
          answer.finishReason = part.finishReason;
          answer.tokensIn += part.usage.inputTokens ?? 0;
          answer.tokensOut += part.usage.outputTokens ?? 0;
          break;
        case 'error':
          streamError = part.error;
          break;
        default:
          break;
      }
    }
  } catch (error) {
    streamError ??= error;
  }
  request.signal.throwIfAborted();
  if (streamError !== undefined) throw failure(streamError, request.endpoint.name);
  answer.latencyMs = Math.round(performance.now() - started);
  return answer;
}
