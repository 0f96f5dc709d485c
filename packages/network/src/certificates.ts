import {X509Certificate, createPrivateKey, randomBytes, webcrypto} from 'node:crypto';
import {isIP} from 'node:net';
import {invalidInput} from '@systemprompt/core';
import {parseCidr} from './cidr.js';
// Types only: the library itself is imported when a certificate is made (it costs start-up time).
import type * as X509 from '@peculiar/x509';

/** ECDSA P-256 with SHA-256: small keys, fast handshakes, accepted by every current TLS client. */
const ALGORITHM = {name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256'} as const;
const DAY_MS = 86_400_000;

export interface PemPair {
  cert: string;
  key: string;
}

/** What a certificate says, read with Node's own X509Certificate. */
export interface CertificateFacts {
  subject: string;
  issuer: string;
  /** DNS names and IP addresses of its subjectAltName. */
  names: string[];
  notBefore: string;
  notAfter: string;
  /** Whole days until notAfter (negative once expired). */
  daysLeft: number;
  fingerprint256: string;
  serialNumber: string;
  selfSigned: boolean;
  ca: boolean;
}

/** @peculiar/x509 resolves its signers through tsyringe, which needs the Reflect metadata polyfill loaded first. */
async function loadX509(): Promise<typeof X509> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  return x509;
}

function toPem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${base64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

function fromPem(pem: string): Uint8Array {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

const serial = () => {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive
  return bytes.toString('hex');
};

/** Checks names for a certificate: DNS names or IP addresses. */
export function checkNames(names: readonly string[]): string[] {
  const unique = [...new Set(names.map((name) => name.trim().toLowerCase()).filter(Boolean))];
  if (unique.length === 0)
    throw invalidInput('A certificate needs at least one name', {
      code: 'NETWORK_TLS_INVALID',
      hint: 'For example --name localhost --name 127.0.0.1.',
    });
  for (const name of unique) {
    if (isIP(name.replace(/^\[|\]$/g, '')) !== 0) continue;
    if (
      !/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(name) ||
      name.length > 253
    )
      throw invalidInput(`${JSON.stringify(name)} is neither a DNS name nor an IP address`, {
        code: 'NETWORK_TLS_INVALID',
      });
  }
  return unique.map((name) => name.replace(/^\[|\]$/g, ''));
}

/** A new self-signed CA (basicConstraints CA, keyCertSign) valid for `days`. */
export async function generateCa(days: number, label: string): Promise<PemPair> {
  const x509 = await loadX509();
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${label}, O=SystemPrompt OS`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + days * DAY_MS),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const key = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {cert: cert.toString('pem') + '\n', key: toPem('PRIVATE KEY', key)};
}

/** A server certificate for `names` (DNS names and IP addresses), signed by the CA, valid for `days`. */
export async function generateServerCertificate(ca: PemPair, names: readonly string[], days: number): Promise<PemPair> {
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await webcrypto.subtle.importKey('pkcs8', fromPem(ca.key), ALGORITHM, false, ['sign']);
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${names[0]}`,
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + days * DAY_MS),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((name) => (isIP(name) ? {type: 'ip' as const, value: name} : {type: 'dns' as const, value: name})),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  const key = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  // The chain: the server certificate, then its CA (clients that trust the CA need only the first).
  return {cert: cert.toString('pem') + '\n' + ca.cert, key: toPem('PRIVATE KEY', key)};
}

/** The PEM blocks of a chain file, first (the leaf) first. */
export function splitChain(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

export function certificateFacts(pem: string, now = Date.now()): CertificateFacts {
  const cert = new X509Certificate(pem);
  const names = (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry)?.[1])
    .filter((name): name is string => Boolean(name))
    // Node writes IPv6 addresses in full (0:0:0:0:0:0:0:1): shown as they are typed (::1).
    .map((name) => (isIP(name) === 6 ? parseCidr(name).network : name));
  const notAfter = new Date(cert.validTo);
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    names,
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor((notAfter.getTime() - now) / DAY_MS),
    fingerprint256: cert.fingerprint256,
    serialNumber: cert.serialNumber,
    selfSigned: cert.issuer === cert.subject,
    ca: cert.ca,
  };
}

/** Checks a certificate chain and its key before they are installed: parseable, matching, not expired. */
export function checkPair(pair: PemPair): CertificateFacts {
  const chain = splitChain(pair.cert);
  if (chain.length === 0)
    throw invalidInput('The certificate file holds no PEM certificate', {
      code: 'NETWORK_TLS_INVALID',
      hint: 'Expected -----BEGIN CERTIFICATE----- blocks.',
    });
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(chain[0]!);
  } catch (error) {
    throw invalidInput(`The certificate cannot be read: ${(error as Error).message}`, {code: 'NETWORK_TLS_INVALID'});
  }
  let key;
  try {
    key = createPrivateKey(pair.key);
  } catch (error) {
    throw invalidInput(`The private key cannot be read: ${(error as Error).message}`, {
      code: 'NETWORK_TLS_INVALID',
      hint: 'Expected an unencrypted PEM key (-----BEGIN PRIVATE KEY----- or EC/RSA PRIVATE KEY).',
    });
  }
  if (!cert.checkPrivateKey(key))
    throw invalidInput('The private key does not belong to the certificate', {code: 'NETWORK_TLS_INVALID'});
  const facts = certificateFacts(chain[0]!);
  if (facts.daysLeft < 0 && new Date(facts.notAfter).getTime() < Date.now())
    throw invalidInput(`The certificate expired on ${facts.notAfter}`, {code: 'NETWORK_TLS_INVALID'});
  return facts;
}
