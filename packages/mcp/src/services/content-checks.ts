import {invalidInput, isPermission, permissionDenied, type AccessProvider, type Actor} from '@systemprompt/core';

/**
 * Checks shared by the prompt and resource services: long text, the permission that guards an item,
 * and unique-key violations. Both engines are held to the same limits, so that a prompt that SQLite
 * takes is never refused by MySQL later (data:migrate) and the other way round.
 */

/** Bytes a TEXT column holds on MySQL/MariaDB; SQLite would take more, so both engines are held to it. */
export const TEXT_COLUMN_BYTES = 65_535;
/** Characters of a permission as the columns store it. */
const MAX_PERMISSION = 130;

// C0 controls other than tab, line feed and carriage return; DEL; C1 controls.
// eslint-disable-next-line no-control-regex -- control characters are what is refused
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;
// Bidirectional overrides and isolates make text read differently from what it is ("Trojan Source").
const BIDI = /[\u202a-\u202e\u2066-\u2069]/u;
// In a /u pattern a surrogate pair is one code point outside this range: only lone surrogates match.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export interface LongTextRule {
  /** What the text is, for the message: "The template", "The description". */
  what: string;
  code: string;
  /** Trim surrounding white space (a description), or keep the text exactly (a template). */
  trim?: boolean;
  /** At least one character after trimming. */
  required?: boolean;
}

/**
 * Text of several lines (a template, a description, a resource's text): valid UTF-8, no control
 * characters but tab and line breaks, no bidirectional overrides, at most what a TEXT column holds.
 */
export function checkLongText(raw: unknown, rule: LongTextRule): string {
  if (typeof raw !== 'string') throw invalidInput(`${rule.what} must be text`, {code: rule.code});
  const reason = LONE_SURROGATE.test(raw)
    ? 'is not valid UTF-8'
    : CONTROL.test(raw)
      ? 'contains a control character (only tabs and line breaks are allowed)'
      : BIDI.test(raw)
        ? 'contains a bidirectional override character'
        : undefined;
  if (reason) throw invalidInput(`${rule.what} ${reason}`, {code: rule.code});
  const text = rule.trim ? raw.trim() : raw;
  if (rule.required && text.trim().length === 0) throw invalidInput(`${rule.what} is empty`, {code: rule.code});
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > TEXT_COLUMN_BYTES)
    throw invalidInput(`${rule.what} is ${bytes} bytes long; the most is ${TEXT_COLUMN_BYTES} (64 KiB)`, {
      code: rule.code,
      details: {bytes, max: TEXT_COLUMN_BYTES},
    });
  return text;
}

/** A permission as written (`resource:action`, `resource:*`, `*:action`, `*`); exit 2 otherwise. */
export function checkPermission(raw: unknown): string {
  const permission = typeof raw === 'string' ? raw.trim() : '';
  if (permission.length > MAX_PERMISSION || !isPermission(permission))
    throw invalidInput(
      `${JSON.stringify(String(raw).slice(0, MAX_PERMISSION))} is not a permission (resource:action, resource:*, *:action or *)`,
      {
        code: 'PERMISSION_INVALID',
        hint: 'See permissions:list for the permissions the modules declare.',
      },
    );
  return permission;
}

export interface GuardRule {
  /** The audited action, e.g. `prompts.create`. */
  action: string;
  target: string;
  /** What was attempted, for the message: `create prompt "greet"`. */
  doing: string;
  code: string;
}

/**
 * The escalation rule for guards: nobody makes, changes or removes an item guarded by a permission
 * they do not hold themselves (else a holder of prompts:write could hand out, or rewrite, what only
 * holders of users:write may see). A refusal is audited and is exit 4.
 */
export async function requireGuardHeld(
  access: AccessProvider,
  actor: Actor,
  permission: string,
  rule: GuardRule,
): Promise<void> {
  if (await access.holds(actor, permission)) return;
  await access.record(actor, {
    action: rule.action,
    target: rule.target,
    result: 'denied',
    permission,
    details: {reason: 'the guarding permission is not held by the actor'},
  });
  throw permissionDenied(
    `${actor.label} may not ${rule.doing} guarded by ${permission}: nobody guards an item with, or changes one guarded by, a permission they do not hold`,
    {
      code: rule.code,
      details: {permission, actor: actor.label},
      hint: 'Choose a permission you hold (see permissions:check), or ask someone who holds it.',
    },
  );
}

const UNIQUE_VIOLATIONS = new Set(['ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

/** Whether a database error is a duplicate primary or unique key (another writer won the race). */
export function isUniqueViolation(error: unknown): boolean {
  const driver = (error as {driverError?: {code?: unknown}}).driverError ?? (error as {code?: unknown});
  return UNIQUE_VIOLATIONS.has(String(driver?.code));
}
