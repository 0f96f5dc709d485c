import {domainToASCII} from 'node:url';
import {invalidInput} from '@systemprompt/core';

/**
 * Checks on text that people type (emails, names, descriptions), done before the database sees it,
 * so that every engine answers the same: exit 2 with one clear line, never "Data too long" (MySQL)
 * on one engine and a silently stored 100 KB name on the other.
 */

/** Maximum lengths, in characters (Unicode code points, as MySQL's utf8mb4 columns count them). */
export const TEXT_LIMITS = {
  /** RFC 5321: 254 for the address (64 for its local part). */
  email: 254,
  userName: 200,
  roleDescription: 300,
  /** The audit log's target column; longer targets are shortened, never refused. */
  auditTarget: 254,
  /** A permission (`resource:action`) as the grant tables store it. */
  permission: 130,
} as const;

// C0 and C1 control characters and DEL.
// eslint-disable-next-line no-control-regex -- control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
// Bidirectional overrides and isolates: they make text read differently from what it is ("Trojan Source").
const BIDI = /[\u202a-\u202e\u2066-\u2069]/u;
// Invisible format characters (zero-width spaces and joiners, byte-order mark, ...): never part of an address.
const FORMAT = /\p{Cf}/u;
// What Node puts in place of bytes that are not UTF-8; a lone surrogate is what JSON can smuggle in.
const REPLACEMENT = '\uFFFD';
// In a /u pattern, a pair of surrogates is one code point outside this range: only lone ones match.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const wellFormed = (text: string): string => text.replace(/[\uD800-\uDFFF]/gu, REPLACEMENT);

const codePoints = (text: string): number => [...text].length;

/** Why `text` is not clean Unicode text, or undefined when it is. */
function uncleanReason(text: string, {format = false}: {format?: boolean} = {}): string | undefined {
  if (LONE_SURROGATE.test(text) || text.includes(REPLACEMENT)) return 'is not valid UTF-8';
  if (CONTROL.test(text)) return 'contains a control character';
  if (BIDI.test(text)) return 'contains a bidirectional override character';
  if (format && FORMAT.test(text)) return 'contains an invisible formatting character';
  return undefined;
}

/** `text`, shown safely in a message: escaped, and cut short. */
export function quoted(text: string, max = 60): string {
  const characters = [...wellFormed(text)];
  const shown = characters.slice(0, max).join('');
  return JSON.stringify(characters.length > max ? `${shown}…` : shown);
}

export interface TextRule {
  /** What the text is, for the message: "--name", "the role description". */
  what: string;
  max: number;
  /** The error code (default TEXT_INVALID). */
  code?: string;
}

/**
 * Free text (a display name, a description): NFC-normalized and trimmed, at most `rule.max`
 * characters, no control or bidirectional override characters, valid UTF-8. Exit 2 otherwise.
 */
export function checkText(raw: string, rule: TextRule): string {
  const code = rule.code ?? 'TEXT_INVALID';
  if (typeof raw !== 'string') throw invalidInput(`${rule.what} must be text`, {code});
  const reason = uncleanReason(raw);
  if (reason) throw invalidInput(`${rule.what} ${reason}`, {code});
  const text = raw.normalize('NFC').trim();
  const length = codePoints(text);
  if (length > rule.max)
    throw invalidInput(`${rule.what} is ${length} characters long; the most is ${rule.max}`, {
      code,
      details: {max: rule.max, length},
    });
  return text;
}

/** A target for the audit log: at most the column's length, marked when shortened. */
export function auditTarget(target: string | null | undefined): string | null {
  if (target === null || target === undefined) return null;
  const clean = wellFormed(target);
  const characters = [...clean];
  return characters.length <= TEXT_LIMITS.auditTarget
    ? clean
    : `${characters.slice(0, TEXT_LIMITS.auditTarget - 1).join('')}…`;
}

// ---- emails ---------------------------------------------------------------------------------

// The local part: no spaces, quotes or the specials of RFC 5322 (quoted local parts are not taken).
const LOCAL = /^[^\s@"(),:;<>[\]\\]{1,64}$/u;
// The domain in ASCII (after IDNA): letters, digits and inner dashes per label; at least two labels.
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

// Scripts that a letter may belong to, tested in this order; letters of any other script count as "Other".
const SCRIPTS = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Georgian',
  'Cherokee',
  'Coptic',
  'Hebrew',
  'Arabic',
  'Devanagari',
  'Bengali',
  'Tamil',
  'Thai',
  'Ethiopic',
  'Han',
  'Hiragana',
  'Katakana',
  'Hangul',
  'Bopomofo',
] as const;
const SCRIPT_PATTERNS = SCRIPTS.map((name) => [name, new RegExp(`^\\p{Script=${name}}$`, 'u')] as const);
const NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u;
// Unicode TS #39 "highly restrictive": one script, or Latin with the scripts written together in East Asia.
const ALLOWED_MIXES: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

/** The scripts of the letters of `text` (digits, punctuation and combining marks belong to none). */
export function scriptsOf(text: string): Set<string> {
  const scripts = new Set<string>();
  for (const character of text) {
    if (NEUTRAL.test(character)) continue;
    scripts.add(SCRIPT_PATTERNS.find(([, pattern]) => pattern.test(character))?.[0] ?? 'Other');
  }
  return scripts;
}

/** Whether `text` mixes scripts the way lookalikes do (`admіn` with a Cyrillic і among Latin letters). */
export function isMixedScript(text: string): boolean {
  const scripts = scriptsOf(text);
  if (scripts.size <= 1) return false;
  return !ALLOWED_MIXES.some((allowed) => [...scripts].every((script) => allowed.has(script)));
}

/**
 * An email address as users are stored and found by: NFC, trimmed, lower-cased as a whole, the
 * domain in its ASCII (IDNA) form. The local part is lower-cased too: RFC 5321 lets a server treat
 * it case-sensitively, but no common provider does, and one account per address whatever its case
 * is what people expect (Ana@ and ana@ are one user). Refused (exit 2): control, invisible and
 * bidirectional characters, invalid UTF-8, and parts that mix scripts like a lookalike does.
 */
export function normalizeEmail(raw: string): string {
  if (typeof raw !== 'string') throw invalidInput('An email address must be text', {code: 'EMAIL_INVALID'});
  const shown = quoted(raw);
  const reason = uncleanReason(raw, {format: true});
  if (reason) throw invalidInput(`The email address ${shown} ${reason}`, {code: 'EMAIL_INVALID'});
  const email = raw.normalize('NFC').trim().toLowerCase();
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (at <= 0 || !LOCAL.test(local))
    throw invalidInput(`${shown} is not a valid email address`, {
      code: 'EMAIL_INVALID',
      hint: 'An address looks like name@example.com.',
    });
  for (const [part, text] of [
    ['name', local],
    ['domain', domain],
  ] as const) {
    for (const label of part === 'domain' ? text.split('.') : [text]) {
      if (isMixedScript(label)) {
        throw invalidInput(
          `The email address ${shown} mixes ${[...scriptsOf(label)].join(' and ')} letters in its ${part} ("${label}"), as lookalike addresses do`,
          {
            code: 'EMAIL_MIXED_SCRIPT',
            details: {scripts: [...scriptsOf(label)]},
            hint: 'Type the address again in one alphabet (a Cyrillic "і" or "а" looks like a Latin one).',
          },
        );
      }
    }
  }
  // IDNA: a domain typed in Unicode is kept in its ASCII form (xn--...), which is what mail uses.
  const asciiDomain = /^[\x21-\x7e]*$/.test(domain) ? domain : domainToASCII(domain);
  const address = `${local}@${asciiDomain}`;
  if (!asciiDomain || !DOMAIN.test(asciiDomain) || address.length > TEXT_LIMITS.email) {
    throw invalidInput(`${shown} is not a valid email address`, {
      code: 'EMAIL_INVALID',
      hint: 'An address looks like name@example.com.',
    });
  }
  return address;
}

/** The form an email is looked up by: normalizeEmail's, or, for what is no valid address, trimmed and lower-cased. */
export function emailLookupKey(raw: string): string {
  try {
    return normalizeEmail(raw);
  } catch {
    return raw.trim().toLowerCase();
  }
}
