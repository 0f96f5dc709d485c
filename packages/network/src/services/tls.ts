import {existsSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {join, resolve} from 'node:path';
import {
  ensurePrivateDirectory,
  invalidInput,
  notFound,
  writeFileAtomic,
  type AccessProvider,
  type Actor,
  type EventBus,
} from '@systemprompt/core';
import {
  certificateFacts,
  checkNames,
  checkPair,
  generateCa,
  generateServerCertificate,
  splitChain,
  type CertificateFacts,
  type PemPair,
} from '../certificates.js';
import type {NetworkConfig} from '../generated/config.js';

export const DEFAULT_NAMES = ['localhost', '127.0.0.1', '::1'];
const KEY_MODE = 0o600;

/** Where the module keeps its TLS material (its config directory). */
export interface TlsFiles {
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
  meta: string;
}

export const tlsFiles = (directory: string): TlsFiles => ({
  caCert: join(directory, 'ca.crt'),
  caKey: join(directory, 'ca.key'),
  cert: join(directory, 'server.crt'),
  key: join(directory, 'server.key'),
  meta: join(directory, 'tls.json'),
});

/** How the installed certificate came to be (tls.json), so renew knows what to do. */
interface TlsMeta {
  source: 'generated' | 'imported';
  names: string[];
  days: number;
  changedAt: string;
}

export type CertificateState = 'none' | 'ok' | 'expiring' | 'expired';

/** What network:ssl shows. */
export interface TlsView {
  /** Whether the server serves HTTPS (a certificate is installed and network.https is on). */
  https: boolean;
  state: CertificateState;
  /** generated (by network:ssl:generate, with this module's CA), imported, or configured (network.certificateFile). */
  source: 'generated' | 'imported' | 'configured' | null;
  certificateFile: string | null;
  /** The CA that clients should trust, when the module generated it. */
  caFile: string | null;
  certificate: CertificateFacts | null;
  ca: CertificateFacts | null;
  plainHttp: 'refuse' | 'redirect';
  expiryWarningDays: number;
  /** One line when the certificate expires soon or has expired. */
  warning: string | null;
}

/** What the server serves: the chain and key PEMs, and the CA clients of this installation trust. */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** The generated CA (or, for an imported certificate, its own chain): what a local client trusts. */
  ca: string;
  /** The file `ca` is read from: the server names it in its state file, so this host's CLI trusts it. */
  caFile: string;
  source: 'generated' | 'imported' | 'configured';
}

export interface GenerateOptions {
  names?: string[];
  days?: number;
  caDays?: number;
  /** A new CA even when one exists (clients must trust the new one). */
  newCa?: boolean;
}

export interface TlsChange {
  action: 'generated' | 'imported' | 'renewed';
  certificate: CertificateFacts;
  caFile: string | null;
  certificateFile: string;
  /** Whether the CA was created by this call (clients must be given it). */
  newCa: boolean;
}

const tlsNotFound = () =>
  notFound('No certificate is installed', {
    code: 'NETWORK_TLS_NOT_FOUND',
    hint: 'Create one with network:ssl:generate, or install one with network:ssl:import CERT KEY.',
  });

/**
 * The server's TLS material in the module's configuration directory: a CA and a server certificate
 * it signed (network:ssl:generate, :renew), or an imported certificate and key (network:ssl:import).
 * Keys are written 0600, every file atomically. Reading takes network:read, changing network:write.
 */
export class TlsService {
  readonly files: TlsFiles;

  constructor(
    private readonly directory: string,
    private readonly config: NetworkConfig,
    private readonly access: AccessProvider,
    private readonly events: EventBus,
  ) {
    this.files = tlsFiles(directory);
  }

  private get configured(): {cert: string; key: string} | undefined {
    if (!this.config.certificateFile) return undefined;
    return {
      cert: resolve(this.config.certificateFile),
      key: resolve(this.config.keyFile || this.config.certificateFile),
    };
  }

  private async meta(): Promise<TlsMeta | undefined> {
    try {
      return JSON.parse(await readFile(this.files.meta, 'utf8')) as TlsMeta;
    } catch {
      return undefined;
    }
  }

  /** The certificate and key the server serves, or undefined (plain HTTP). No actor: the server's own reading. */
  async material(): Promise<TlsMaterial | undefined> {
    const configured = this.configured;
    const certFile = configured?.cert ?? this.files.cert;
    const keyFile = configured?.key ?? this.files.key;
    if (!existsSync(certFile)) {
      if (configured)
        throw invalidInput(`network.certificateFile ${certFile} does not exist`, {
          code: 'NETWORK_TLS_INVALID',
          hint: 'Fix network.certificateFile, or set it to "" to use the certificate of network:ssl.',
        });
      return undefined;
    }
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    const meta = configured ? undefined : await this.meta();
    const source = configured ? 'configured' : (meta?.source ?? 'imported');
    const caFile = source === 'generated' && existsSync(this.files.caCert) ? this.files.caCert : certFile;
    const ca = caFile === certFile ? cert : await readFile(caFile, 'utf8');
    return {cert, key, ca, caFile, source};
  }

  /** Whether the server should serve HTTPS, and with what. */
  async serving(): Promise<TlsMaterial | undefined> {
    return this.config.https ? this.material() : undefined;
  }

  /** The state of the installed certificate, without an actor (health checks, the server). */
  async inspect(now = Date.now()): Promise<TlsView> {
    const material = await this.material().catch(() => undefined);
    const configured = this.configured;
    const leaf = material ? splitChain(material.cert)[0] : undefined;
    const certificate = leaf ? certificateFacts(leaf, now) : null;
    const ca = existsSync(this.files.caCert) ? certificateFacts(await readFile(this.files.caCert, 'utf8'), now) : null;
    const warningDays = this.config.expiryWarningDays;
    const state: CertificateState = !certificate
      ? 'none'
      : new Date(certificate.notAfter).getTime() <= now
        ? 'expired'
        : certificate.daysLeft < warningDays
          ? 'expiring'
          : 'ok';
    const warning =
      state === 'expired'
        ? `The server certificate expired on ${certificate!.notAfter}: renew it (network:ssl:renew)`
        : state === 'expiring'
          ? `The server certificate expires on ${certificate!.notAfter} (in ${certificate!.daysLeft} days, within network.expiryWarningDays ${warningDays}): renew it (network:ssl:renew)`
          : null;
    return {
      https: Boolean(material) && this.config.https,
      state,
      source: material?.source ?? null,
      certificateFile: material ? (configured?.cert ?? this.files.cert) : null,
      caFile: material?.source === 'generated' ? this.files.caCert : null,
      certificate,
      ca: material?.source === 'generated' ? ca : null,
      plainHttp: this.config.plainHttp,
      expiryWarningDays: warningDays,
      warning,
    };
  }

  async show(actor: Actor): Promise<TlsView> {
    await this.access.authorize(actor, 'network:read', 'network.ssl.show');
    return this.inspect();
  }

  /** A CA (kept unless there is none or newCa) and a server certificate for `names` signed by it. */
  async generate(actor: Actor, options: GenerateOptions = {}): Promise<TlsChange> {
    await this.access.authorize(actor, 'network:write', 'network.ssl.generate');
    const names = checkNames(options.names?.length ? options.names : DEFAULT_NAMES);
    const days = checkDays(options.days ?? 397, 'days');
    const caDays = checkDays(options.caDays ?? 3650, 'ca-days');
    let ca: PemPair | undefined;
    if (!options.newCa && existsSync(this.files.caCert) && existsSync(this.files.caKey)) {
      ca = {cert: await readFile(this.files.caCert, 'utf8'), key: await readFile(this.files.caKey, 'utf8')};
      if (certificateFacts(ca.cert).daysLeft < days) ca = undefined;
    }
    const newCa = !ca;
    ca ??= await generateCa(caDays, 'SystemPrompt OS local CA');
    const server = await generateServerCertificate(ca, names, days);
    await ensurePrivateDirectory(this.directory);
    if (newCa) {
      await writeFileAtomic(this.files.caKey, ca.key, {mode: KEY_MODE});
      await writeFileAtomic(this.files.caCert, ca.cert, {mode: 0o644});
    }
    return this.install(actor, 'generated', server, {source: 'generated', names, days}, newCa);
  }

  /** Installs an existing certificate (chain) and its key, after checking that they belong together. */
  async import(actor: Actor, certFile: string, keyFile: string): Promise<TlsChange> {
    await this.access.authorize(actor, 'network:write', 'network.ssl.import');
    const read = async (file: string, what: string) =>
      readFile(resolve(file), 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw invalidInput(`Cannot read the ${what} file ${file}: ${error.code ?? error.message}`, {
          code: 'NETWORK_TLS_INVALID',
        });
      });
    const pair = {cert: await read(certFile, 'certificate'), key: await read(keyFile, 'key')};
    const facts = checkPair(pair);
    await ensurePrivateDirectory(this.directory);
    return this.install(actor, 'imported', pair, {source: 'imported', names: facts.names, days: 0}, false);
  }

  /** A new server certificate (and key) for the same names from the kept CA; imported certificates are renewed by importing. */
  async renew(actor: Actor, options: {days?: number} = {}): Promise<TlsChange> {
    await this.access.authorize(actor, 'network:write', 'network.ssl.renew');
    const meta = await this.meta();
    if (!existsSync(this.files.cert) || !meta) throw tlsNotFound();
    if (meta.source !== 'generated')
      throw invalidInput('The installed certificate was imported: renew it where it was issued', {
        code: 'NETWORK_TLS_NOT_RENEWABLE',
        hint: 'Then install the new one with network:ssl:import CERT KEY (or replace it with network:ssl:generate).',
      });
    if (!existsSync(this.files.caKey)) throw tlsNotFound();
    const days = checkDays(options.days ?? (meta.days || 397), 'days');
    const ca = {cert: await readFile(this.files.caCert, 'utf8'), key: await readFile(this.files.caKey, 'utf8')};
    if (certificateFacts(ca.cert).daysLeft < days)
      throw invalidInput(`The CA expires before a ${days}-day certificate would`, {
        code: 'NETWORK_TLS_INVALID',
        hint: 'Make a new CA and certificate with network:ssl:generate --new-ca (clients must trust the new CA).',
      });
    const server = await generateServerCertificate(ca, meta.names, days);
    return this.install(actor, 'renewed', server, {...meta, days}, false);
  }

  private async install(
    actor: Actor,
    action: TlsChange['action'],
    pair: PemPair,
    meta: Omit<TlsMeta, 'changedAt'>,
    newCa: boolean,
  ): Promise<TlsChange> {
    // The key first: a reader that sees the new certificate finds its key already in place.
    await writeFileAtomic(this.files.key, pair.key, {mode: KEY_MODE});
    await writeFileAtomic(this.files.cert, pair.cert, {mode: 0o644});
    await writeFileAtomic(
      this.files.meta,
      JSON.stringify({...meta, changedAt: new Date().toISOString()}, null, 2) + '\n',
      {mode: 0o600},
    );
    const certificate = certificateFacts(splitChain(pair.cert)[0]!);
    await this.events.emit(
      'network.tls.changed',
      {action, names: certificate.names, notAfter: certificate.notAfter, fingerprint256: certificate.fingerprint256},
      {actor, subject: certificate.subject},
    );
    await this.access.record(actor, {
      action: `network.ssl.${action === 'renewed' ? 'renew' : action === 'imported' ? 'import' : 'generate'}`,
      target: certificate.subject,
      result: 'ok',
      permission: 'network:write',
      details: {
        names: certificate.names,
        notAfter: certificate.notAfter,
        fingerprint256: certificate.fingerprint256,
        newCa,
      },
    });
    return {
      action,
      certificate,
      caFile: meta.source === 'generated' ? this.files.caCert : null,
      certificateFile: this.files.cert,
      newCa,
    };
  }
}

function checkDays(days: number, flag: string): number {
  if (!Number.isInteger(days) || days < 1 || days > 36_500)
    throw invalidInput(`--${flag} must be a whole number of days from 1 to 36500`, {code: 'NETWORK_TLS_INVALID'});
  return days;
}
