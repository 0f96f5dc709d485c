import {lookup} from 'node:dns/promises';
import {request as httpRequest} from 'node:http';
import {connect as netConnect, isIP, type Socket} from 'node:net';
import {performance} from 'node:perf_hooks';
import {connect as tlsConnect, rootCertificates, type DetailedPeerCertificate, type TLSSocket} from 'node:tls';
import {invalidInput} from '@systemprompt/core';

export type PhaseName = 'dns' | 'tcp' | 'tls' | 'http';

export interface Phase {
  phase: PhaseName;
  ok: boolean;
  /** Milliseconds the phase took. */
  ms: number;
  detail: string;
}

export interface ChainEntry {
  subject: string;
  issuer: string;
  notAfter: string;
  daysLeft: number;
}

export interface ProbeResult {
  target: string;
  host: string;
  port: number;
  /** The address connected to (the first DNS answer, or the literal address). */
  address: string | null;
  phases: Phase[];
  tls: {
    authorized: boolean;
    error: string | null;
    protocol: string | null;
    cipher: string | null;
    chain: ChainEntry[];
  } | null;
  http: {status: number; firstByteMs: number; totalMs: number; bytes: number} | null;
  ok: boolean;
  /** The first phase that failed, in one line. */
  failure: string | null;
}

export interface ProbeOptions {
  /** PEM of a CA to trust besides the system's (a generated CA). */
  ca?: string;
  /** Force TLS on a host:port target. */
  tls?: boolean;
  timeoutMs?: number;
  method?: 'GET' | 'HEAD';
  family?: 4 | 6;
}

interface Target {
  host: string;
  port: number;
  secure: boolean;
  /** Present for a URL: what the HTTP phase requests. */
  url?: URL;
}

/** A URL (http, https) or host:port (`[::1]:8443`, `localhost:8080`). */
export function parseTarget(text: string, forceTls = false): Target {
  const invalid = () =>
    invalidInput(`${JSON.stringify(text)} is neither an http(s) URL nor HOST:PORT`, {
      code: 'NETWORK_TARGET_INVALID',
      hint: 'For example https://localhost:8443/health or 127.0.0.1:8080.',
    });
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw invalid();
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid();
    const secure = url.protocol === 'https:';
    return {host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || (secure ? 443 : 80)), secure, url};
  }
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!match) throw invalid();
  const port = Number(match[3]);
  if (port < 1 || port > 65535) throw invalid();
  return {host: (match[1] ?? match[2])!, port, secure: forceTls || port === 443};
}

const since = (start: number) => Math.round((performance.now() - start) * 100) / 100;
const DAY_MS = 86_400_000;

function chainOf(socket: TLSSocket): ChainEntry[] {
  const chain: ChainEntry[] = [];
  let cert = socket.getPeerCertificate(true) as DetailedPeerCertificate | undefined;
  const seen = new Set<string>();
  while (cert && cert.fingerprint256 && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    const notAfter = new Date(cert.valid_to);
    chain.push({
      subject: Object.entries(cert.subject ?? {})
        .map(([key, value]) => `${key}=${String(value)}`)
        .join(', '),
      issuer: Object.entries(cert.issuer ?? {})
        .map(([key, value]) => `${key}=${String(value)}`)
        .join(', '),
      notAfter: notAfter.toISOString(),
      daysLeft: Math.floor((notAfter.getTime() - Date.now()) / DAY_MS),
    });
    cert = cert.issuerCertificate;
  }
  return chain;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_resolve, reject) => {
      timer = setTimeout(() => {
        onTimeout?.();
        reject(new Error(`${what}: no answer within ${ms} ms`));
      }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Tests a connection phase by phase, each timed: DNS (dns.lookup, as every Node client resolves),
 * TCP connect, the TLS handshake (peer chain, expiry, whether it is trusted and why not) and, for a
 * URL, the HTTP status. Stops at the first phase that fails. Connects only where the target says.
 */
export async function probe(text: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const target = parseTarget(text, options.tls);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const phases: Phase[] = [];
  const result: ProbeResult = {
    target: text,
    host: target.host,
    port: target.port,
    address: null,
    phases,
    tls: null,
    http: null,
    ok: false,
    failure: null,
  };
  const fail = (phase: PhaseName, ms: number, detail: string) => {
    phases.push({phase, ok: false, ms, detail});
    result.failure = `${phase}: ${detail}`;
    return result;
  };

  let start = performance.now();
  if (isIP(target.host)) {
    result.address = target.host;
    phases.push({phase: 'dns', ok: true, ms: 0, detail: `${target.host} is an address (no lookup)`});
  } else {
    try {
      const answers = await withTimeout(
        lookup(target.host, {all: true, ...(options.family ? {family: options.family} : {})}),
        timeoutMs,
        'dns',
      );
      result.address = answers[0]!.address;
      phases.push({
        phase: 'dns',
        ok: true,
        ms: since(start),
        detail: answers.map((answer) => answer.address).join(', '),
      });
    } catch (error) {
      return fail('dns', since(start), (error as NodeJS.ErrnoException).code ?? (error as Error).message);
    }
  }

  start = performance.now();
  let socket: Socket;
  try {
    socket = await withTimeout(
      new Promise<Socket>((resolve, reject) => {
        const connection = netConnect({host: result.address!, port: target.port});
        connection.once('connect', () => resolve(connection));
        connection.once('error', reject);
      }),
      timeoutMs,
      'tcp',
    );
    phases.push({
      phase: 'tcp',
      ok: true,
      ms: since(start),
      detail: `connected to ${result.address}:${target.port} from ${socket.localAddress}:${socket.localPort}`,
    });
  } catch (error) {
    return fail('tcp', since(start), (error as NodeJS.ErrnoException).code ?? (error as Error).message);
  }

  let stream: Socket = socket;
  try {
    if (target.secure) {
      start = performance.now();
      let secured: TLSSocket;
      try {
        secured = await withTimeout(
          new Promise<TLSSocket>((resolve, reject) => {
            const connection = tlsConnect({
              socket,
              host: target.host,
              ...(isIP(target.host) ? {} : {servername: target.host}),
              ...(options.ca ? {ca: [...rootCertificates, options.ca]} : {}),
              // Decided below from `authorized`: the chain is reported even when it is not trusted.
              rejectUnauthorized: false,
            });
            connection.once('secureConnect', () => resolve(connection));
            connection.once('error', reject);
          }),
          timeoutMs,
          'tls',
          () => socket.destroy(),
        );
      } catch (error) {
        return fail('tls', since(start), (error as NodeJS.ErrnoException).code ?? (error as Error).message);
      }
      const ms = since(start);
      const error = secured.authorized ? null : String(secured.authorizationError ?? 'not trusted');
      result.tls = {
        authorized: secured.authorized,
        error,
        protocol: secured.getProtocol(),
        cipher: secured.getCipher()?.name ?? null,
        chain: chainOf(secured),
      };
      stream = secured;
      const leaf = result.tls.chain[0];
      if (!secured.authorized)
        return fail('tls', ms, `certificate not trusted: ${error}${options.ca ? '' : ' (trust a CA with --ca FILE)'}`);
      phases.push({
        phase: 'tls',
        ok: true,
        ms,
        detail: `${result.tls.protocol ?? 'TLS'}, trusted${leaf ? `, expires ${leaf.notAfter} (${leaf.daysLeft} days)` : ''}`,
      });
    }

    if (target.url) {
      const url = target.url;
      start = performance.now();
      try {
        const http = await withTimeout(
          new Promise<NonNullable<ProbeResult['http']>>((resolve, reject) => {
            const request = httpRequest(
              {
                method: options.method ?? 'GET',
                path: `${url.pathname}${url.search}`,
                headers: {host: url.host, connection: 'close', 'user-agent': 'systemprompt network:test'},
                // The connection the earlier phases opened (no agent: an agent would open its own).
                createConnection: () => stream,
              },
              (response) => {
                const firstByteMs = since(start);
                let bytes = 0;
                response.on('data', (chunk: Buffer) => (bytes += chunk.length));
                response.on('end', () =>
                  resolve({status: response.statusCode ?? 0, firstByteMs, totalMs: since(start), bytes}),
                );
                response.on('error', reject);
              },
            );
            request.once('error', reject);
            request.end();
          }),
          timeoutMs,
          'http',
          () => stream.destroy(),
        );
        result.http = http;
        const ok = http.status < 500;
        if (!ok) return fail('http', http.totalMs, `HTTP ${http.status}`);
        phases.push({
          phase: 'http',
          ok,
          ms: http.totalMs,
          detail: `HTTP ${http.status}, first byte after ${http.firstByteMs} ms, ${http.bytes} bytes`,
        });
      } catch (error) {
        return fail('http', since(start), (error as NodeJS.ErrnoException).code ?? (error as Error).message);
      }
    }
    result.ok = true;
    return result;
  } finally {
    stream.destroy();
    socket.destroy();
  }
}
