import {Agent as HttpAgent, request as httpRequest, type IncomingMessage} from 'node:http';
import {Agent as HttpsAgent, request as httpsRequest} from 'node:https';
import {Webhook} from 'standardwebhooks';
import {toSystemPromptError, tracing, type ModuleMetrics} from '@systemprompt/core';
import type {NetworkGuard} from './network-guard.js';

/** What one attempt gave: the answer's status (null when none came), its head, how long it took. */
export interface SendResult {
  status: number | null;
  durationMs: number;
  error: string | null;
  responseHead: string | null;
  /** What the answer's Retry-After asks for, in milliseconds (a 429 or 503 may say). */
  retryAfterMs: number | null;
  /** The URL and headers sent (the signature is not a secret: it proves, it does not grant). */
  request: {url: string; headers: Record<string, string>};
}

export interface Message {
  /** webhook-id: the same for every attempt of a delivery, so receivers can drop repeats. */
  id: string;
  body: string;
  /** Secrets in whsec_ form: each signs (both during a rotation's overlap). */
  secrets: readonly string[];
}

const USER_AGENT = 'SystemPrompt-Webhooks/1';

/** Retry-After in seconds or as an HTTP date, in milliseconds from now; null when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The Standard Webhooks signature header: `v1,<base64 HMAC-SHA256>` for each secret, space-separated. */
export function signatures(message: Message, timestamp: Date): string {
  return message.secrets.map((secret) => new Webhook(secret).sign(message.id, timestamp, message.body)).join(' ');
}

/**
 * Sends signed deliveries: POST of the JSON body with webhook-id, webhook-timestamp and
 * webhook-signature; connections only to addresses the guard allows (names resolved through it), no
 * redirect followed, at most `timeoutMs` per attempt, keep-alive connections reused.
 */
export class Sender {
  private readonly http = new HttpAgent({keepAlive: true, maxSockets: 256});
  private readonly https = new HttpsAgent({keepAlive: true, maxSockets: 256});

  private readonly attempts;
  private readonly durations;

  constructor(
    private readonly guard: NetworkGuard,
    private readonly settings: {timeoutMs: number; responseHeadBytes: number},
    metrics: ModuleMetrics,
  ) {
    this.attempts = metrics.counter({
      name: 'delivery_attempts_total',
      help: 'Delivery attempts this server made, by result: 2xx, 3xx, 4xx, 5xx (the answer class) or error (no answer).',
      labelNames: ['result'],
    });
    this.durations = metrics.histogram({
      name: 'delivery_attempt_duration_seconds',
      help: 'How long delivery attempts took (connecting, sending, reading the head of the answer).',
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60],
    });
  }

  /** One attempt, as a client span whose W3C trace context the request carries (when tracing is on). */
  send(url: string, message: Message): Promise<SendResult> {
    return tracing().span(
      'webhook POST',
      {kind: 'client', attributes: {'http.request.method': 'POST', 'webhook.message.id': message.id}},
      async (span) => {
        const sent = await this.attempt(url, message);
        this.attempts.inc({result: sent.status === null ? 'error' : `${Math.floor(sent.status / 100)}xx`});
        this.durations.observe(undefined, sent.durationMs / 1000);
        if (sent.status !== null) span.setAttribute('http.response.status_code', sent.status);
        if (sent.error) span.fail(new Error(sent.error));
        return sent;
      },
    );
  }

  private async attempt(url: string, message: Message): Promise<SendResult> {
    const timestamp = new Date();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': message.id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signatures(message, timestamp),
    };
    tracing().inject(headers);
    const started = performance.now();
    const result = (partial: Omit<SendResult, 'durationMs' | 'request'>): SendResult => ({
      ...partial,
      durationMs: Math.round(performance.now() - started),
      request: {url, headers},
    });
    try {
      const target = new URL(url);
      // An address written in the URL is checked here (node:http looks up names only).
      await this.guard.resolve(target.hostname, url);
      const response = await this.post(target, headers, message.body);
      const head = await this.readHead(response);
      const status = response.statusCode ?? 0;
      const redirect = status >= 300 && status < 400;
      return result({
        status,
        error: redirect ? `redirects are not followed (Location: ${String(response.headers.location ?? '')})` : null,
        responseHead: head,
        retryAfterMs: retryAfterMs(response.headers['retry-after']),
      });
    } catch (error) {
      return result({status: null, error: toSystemPromptError(error).message, responseHead: null, retryAfterMs: null});
    }
  }

  private post(target: URL, headers: Record<string, string>, body: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const secure = target.protocol === 'https:';
      const request = (secure ? httpsRequest : httpRequest)(target, {
        method: 'POST',
        headers: {...headers, 'content-length': String(Buffer.byteLength(body))},
        agent: secure ? this.https : this.http,
        lookup: this.guard.lookupFor(target.href),
      });
      const timer = setTimeout(
        () => request.destroy(new Error(`no answer within ${this.settings.timeoutMs} ms`)),
        this.settings.timeoutMs,
      );
      request.on('response', (response) => {
        response.on('close', () => clearTimeout(timer));
        resolve(response);
      });
      request.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.end(body);
    });
  }

  /** The first responseHeadBytes of the body; the rest is read and dropped, so the connection can be reused. */
  private readHead(response: IncomingMessage): Promise<string> {
    const limit = this.settings.responseHeadBytes;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size >= limit) return;
        chunks.push(chunk.subarray(0, limit - size));
        size += Math.min(chunk.length, limit - size);
      });
      response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      response.on('error', reject);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
