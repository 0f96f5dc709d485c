import {readFile} from 'node:fs/promises';
import {invalidInput} from '@systemprompt/core';
import {checkText, quoted} from '@systemprompt/users';
import {TEXT_COLUMN_BYTES} from './content-checks.js';

/** An argument's name, as its `{{placeholder}}` names it. */
export const PROMPT_ARGUMENT_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
/** `{{name}}` or `{{ name }}`; any other text in double braces is left as it is. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_-]{0,63})\s*\}\}/g;
export const MAX_PROMPT_ARGUMENTS = 50;
/** Characters of one argument value given to `render`. */
export const MAX_ARGUMENT_VALUE = 100_000;
const MAX_ARGUMENT_DESCRIPTION = 500;

export interface PromptArgument {
  name: string;
  description?: string;
  required: boolean;
}

export interface PromptArgumentInput {
  name: string;
  description?: string | null;
  /** True unless it says false. */
  required?: boolean;
}

function argumentsError(message: string, details?: Record<string, unknown>): Error {
  return invalidInput(message, {
    code: 'PROMPT_ARGUMENTS_INVALID',
    ...(details ? {details} : {}),
    hint: 'An argument is NAME (letters, digits, _ and -, starting with a letter or _), an optional description, and whether it is required.',
  });
}

/** The declared arguments, checked: valid unique names, short descriptions, required by default. */
export function checkPromptArguments(raw: unknown): PromptArgument[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw argumentsError('The arguments must be a list');
  if (raw.length > MAX_PROMPT_ARGUMENTS)
    throw argumentsError(`A prompt has at most ${MAX_PROMPT_ARGUMENTS} arguments; this one has ${raw.length}`);
  const seen = new Set<string>();
  const checked = raw.map((item: unknown): PromptArgument => {
    const {name, description, required} = (item ?? {}) as Partial<PromptArgumentInput>;
    if (typeof name !== 'string' || !PROMPT_ARGUMENT_PATTERN.test(name))
      throw argumentsError(`Argument name ${quoted(String(name))} is not valid`, {argument: String(name)});
    if (seen.has(name)) throw argumentsError(`Argument "${name}" is declared twice`, {argument: name});
    seen.add(name);
    if (required !== undefined && typeof required !== 'boolean')
      throw argumentsError(`Argument "${name}": required must be true or false`, {argument: name});
    const text =
      description === undefined || description === null
        ? ''
        : checkText(description, {
            what: `The description of argument "${name}"`,
            max: MAX_ARGUMENT_DESCRIPTION,
            code: 'PROMPT_ARGUMENTS_INVALID',
          });
    return {name, ...(text ? {description: text} : {}), required: required ?? true};
  });
  const bytes = Buffer.byteLength(JSON.stringify(checked), 'utf8');
  if (bytes > TEXT_COLUMN_BYTES)
    throw argumentsError(
      `The arguments take ${bytes} bytes; the most is ${TEXT_COLUMN_BYTES}: shorten their descriptions`,
    );
  return checked;
}

/** The names the template's `{{placeholders}}` use, in order of first use. */
export function templatePlaceholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

/** Every placeholder must be a declared argument, and every argument must be used. */
export function checkTemplate(template: string, declared: readonly PromptArgument[]): void {
  const used = templatePlaceholders(template);
  const names = declared.map((argument) => argument.name);
  const undeclared = used.filter((name) => !names.includes(name));
  const unused = names.filter((name) => !used.includes(name));
  if (undeclared.length === 0 && unused.length === 0) return;
  const braces = (list: string[]) => list.map((name) => `{{${name}}}`).join(', ');
  const problems = [
    ...(undeclared.length > 0
      ? [
          `the template uses ${braces(undeclared)}, ${undeclared.length === 1 ? 'which is not a declared argument' : 'which are not declared arguments'}`,
        ]
      : []),
    ...(unused.length > 0
      ? [
          `argument${unused.length === 1 ? '' : 's'} ${unused.map((name) => `"${name}"`).join(', ')} ${unused.length === 1 ? 'is' : 'are'} declared but the template never uses ${braces(unused)}`,
        ]
      : []),
  ];
  throw invalidInput(`Placeholders and arguments differ: ${problems.join('; ')}`, {
    code: 'PROMPT_TEMPLATE_INVALID',
    details: {undeclared, unused},
    hint: 'Declare each {{placeholder}} as an argument (prompts:create --argument NAME:DESCRIPTION, or NAME?:DESCRIPTION when optional), and use each argument in the template.',
  });
}

/**
 * An argument as the commands take it (--argument): `NAME:DESCRIPTION`, or `NAME?:DESCRIPTION` when
 * optional; the description may be left out (`NAME`, `NAME?`). The service checks the name.
 */
export function parseArgumentSpec(spec: string): PromptArgumentInput {
  const colon = spec.indexOf(':');
  const head = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  const description = colon < 0 ? '' : spec.slice(colon + 1).trim();
  const optional = head.endsWith('?');
  return {name: optional ? head.slice(0, -1) : head, ...(description ? {description} : {}), required: !optional};
}

/** `NAME=VALUE` pairs (--arg) as the arguments of `render`; a pair without `=`, or a name given twice, is exit 2. */
export function parseArgumentValues(pairs: readonly string[]): Record<string, string> {
  const values = new Map<string, string>();
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    const name = equals < 0 ? '' : pair.slice(0, equals);
    if (!name)
      throw invalidInput(`--arg ${quoted(pair)} is not NAME=VALUE`, {
        code: 'PROMPT_ARGUMENT_INVALID',
        hint: 'For example --arg topic=billing.',
      });
    if (values.has(name))
      throw invalidInput(`--arg ${name} is given twice`, {code: 'PROMPT_ARGUMENT_INVALID', details: {argument: name}});
    values.set(name, pair.slice(equals + 1));
  }
  // fromEntries makes own properties, also of a name such as __proto__.
  return Object.fromEntries(values);
}

/** The template of --template-file (UTF-8); an unreadable file is exit 2. */
export async function readTemplateFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw invalidInput(`--template-file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      code: 'PROMPT_TEMPLATE_FILE_UNREADABLE',
    });
  }
}

/**
 * The template filled in with `args` (the caller checked the prompt's permission first): every
 * required argument must be given, and no other. An optional argument left out is replaced by nothing.
 */
export function renderTemplate(
  name: string,
  template: string,
  declaredArguments: readonly PromptArgument[],
  args: Record<string, string>,
): string {
  if (args === null || typeof args !== 'object' || Array.isArray(args))
    throw invalidInput('The arguments must be an object of names and text values', {
      code: 'PROMPT_ARGUMENT_INVALID',
    });
  const declared = new Map(declaredArguments.map((argument) => [argument.name, argument]));
  const names = [...declared.keys()];
  const unknown = Object.keys(args).filter((key) => !declared.has(key));
  if (unknown.length > 0)
    throw invalidInput(`Prompt "${name}" has no argument ${unknown.map((key) => quoted(key)).join(', ')}`, {
      code: 'PROMPT_ARGUMENT_UNKNOWN',
      details: {unknown, arguments: names},
      hint: names.length > 0 ? `Its arguments: ${names.join(', ')}.` : 'It takes no arguments.',
    });
  const values = new Map<string, string>();
  for (const argument of declaredArguments) {
    const value: unknown = Object.hasOwn(args, argument.name) ? args[argument.name] : undefined;
    if (value === undefined) {
      if (argument.required)
        throw invalidInput(`Prompt "${name}" needs argument "${argument.name}"`, {
          code: 'PROMPT_ARGUMENT_MISSING',
          details: {argument: argument.name},
          hint: `Required: ${declaredArguments
            .filter((each) => each.required)
            .map((each) => each.name)
            .join(', ')}.`,
        });
      continue;
    }
    if (typeof value !== 'string')
      throw invalidInput(`Argument "${argument.name}" must be text`, {
        code: 'PROMPT_ARGUMENT_INVALID',
        details: {argument: argument.name},
      });
    if (value.length > MAX_ARGUMENT_VALUE)
      throw invalidInput(`Argument "${argument.name}" is longer than ${MAX_ARGUMENT_VALUE} characters`, {
        code: 'PROMPT_ARGUMENT_INVALID',
        details: {argument: argument.name, max: MAX_ARGUMENT_VALUE},
      });
    values.set(argument.name, value);
  }
  // One pass: a value that itself holds {{...}} is not filled in again.
  return template.replace(PLACEHOLDER, (_match, key: string) => values.get(key) ?? '');
}
