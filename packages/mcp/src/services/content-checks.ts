import {invalidInput, isPermission, permissionDenied, type AccessProvider, type Actor} from '@systemprompt/core';
import type {ListPlan} from '@systemprompt/database';
import {checkText} from '@systemprompt/users';

/**
 * Checks shared by the prompt and resource services: titles and long text, the fields a change gives,
 * the permission that guards an item (who may set or change it, who sees it), the list fields every
 * item has, and unique-key violations. Both engines are held to the same limits, so that a prompt that SQLite
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

/** An optional one-line title: null when absent or empty after trimming. */
export function checkTitle(raw: string | null | undefined, rule: {max: number; code: string}): string | null {
  return raw === null || raw === undefined ? null : checkText(raw, {what: 'The title', ...rule}) || null;
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

/**
 * The guard rule for a change: the actor must hold the item's current permission, and the new one when
 * it differs. Returns the new permission when it changes, else undefined (nothing to store).
 */
export async function requireGuardChange(
  access: AccessProvider,
  actor: Actor,
  current: string,
  next: string | undefined,
  rule: GuardRule,
): Promise<string | undefined> {
  await requireGuardHeld(access, actor, current, rule);
  if (next === undefined || next === current) return undefined;
  await requireGuardHeld(access, actor, next, rule);
  return next;
}

/**
 * The items the actor may see, in their order: those whose guarding permission it holds (what MCP
 * `prompts/list`, `resources/list` and `tools/list` show). `mayUse` decides a permission; it is asked
 * once per distinct permission. Not audited.
 */
export async function visibleItems<T extends {permission: string}>(
  items: readonly T[],
  mayUse: (permission: string) => Promise<boolean>,
): Promise<T[]> {
  const held = new Map<string, boolean>();
  const visible: T[] = [];
  for (const item of items) {
    if (!held.has(item.permission)) held.set(item.permission, await mayUse(item.permission));
    if (held.get(item.permission)) visible.push(item);
  }
  return visible;
}

/** The fields an update gives (those not undefined); none is exit 2 NOTHING_TO_UPDATE with `hint`. */
export function givenFields<T extends object>(changes: T, hint: string): Array<keyof T> {
  const given = (Object.keys(changes ?? {}) as Array<keyof T>).filter((key) => changes[key] !== undefined);
  if (given.length === 0) throw invalidInput('Nothing to change', {code: 'NOTHING_TO_UPDATE', hint});
  return given;
}

/** The list fields every prompt and resource ends with: its guarding permission, and when and by whom it changed. */
export const GUARDED_ITEM_FIELDS = ['permission', 'createdAt', 'updatedAt', 'updatedBy'] as const;

/** GUARDED_ITEM_FIELDS as list-plan columns of the table aliased `alias` (the times compared as times). */
export function guardedItemColumns(alias: string): ListPlan['fields'] {
  return {
    permission: `${alias}.permission`,
    createdAt: {sql: `${alias}.createdAt`, kind: 'time'},
    updatedAt: {sql: `${alias}.updatedAt`, kind: 'time'},
    updatedBy: `${alias}.updatedBy`,
  };
}
