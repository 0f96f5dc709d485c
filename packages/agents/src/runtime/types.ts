import type {JsonSchema} from '@systemprompt/core';
import type {ProviderEndpoint} from '@systemprompt/config';

/** A tool call the model asked for. */
export interface ModelToolCall {
  id: string;
  name: string;
  input: unknown;
}

/** The conversation of a task, rebuilt from its recorded steps. */
export type TranscriptEntry =
  | {role: 'user'; text: string}
  | {role: 'assistant'; text: string; toolCalls: ModelToolCall[]}
  | {role: 'tool'; results: Array<{id: string; name: string; output: string; isError: boolean}>};

export interface OfferedTool {
  name: string;
  description: string;
  inputSchema: JsonSchema;
}

export interface ModelRequest {
  endpoint: ProviderEndpoint;
  model: string;
  system: string;
  transcript: readonly TranscriptEntry[];
  tools: readonly OfferedTool[];
  maxOutputTokens?: number;
  maxRetries: number;
  signal: AbortSignal;
  onText?: (delta: string) => void;
}

export interface ModelAnswer {
  text: string;
  toolCalls: ModelToolCall[];
  /** stop, tool-calls, length, content-filter, error, other, unknown. */
  finishReason: string;
  tokensIn: number;
  tokensOut: number;
  latencyMs: number;
}
