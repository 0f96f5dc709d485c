import type jsonata from 'jsonata';

/**
 * Expressions are JSONata (a query and transformation language with its own interpreter: no code of
 * the host runs, nothing is `eval`ed), over `{inputs, steps: {<id>: {output, status}}, item, index, run}`.
 * Each evaluation is bounded (time, depth, sequence length), so a definition cannot hang a worker.
 */
export interface ExpressionContext {
  inputs: unknown;
  steps: Record<string, {output: unknown; status: string}>;
  item?: unknown;
  index?: number;
  run: {id: string; workflow: string};
}

/** Why an expression does not compile or failed to evaluate, with where in it (a character offset). */
export class ExpressionError extends Error {
  constructor(
    readonly expression: string,
    message: string,
    readonly position: number | undefined,
  ) {
    super(message);
  }
}

const LIMITS = {timeout: 2000, stack: 500, sequence: 100_000};
const CACHE_SIZE = 1000;
const cache = new Map<string, jsonata.Expression>();
let library: Promise<typeof jsonata> | undefined;

// Loaded when the first expression is compiled: listing workflows or runs does not pay for it.
const load = () => (library ??= import('jsonata').then((module) => module.default));

function describe(error: unknown): {message: string; position: number | undefined} {
  const failure = error as {message?: unknown; position?: unknown; token?: unknown};
  const message = typeof failure.message === 'string' ? failure.message : String(error);
  const position = typeof failure.position === 'number' ? failure.position : undefined;
  return {message, position};
}

/** The expression inside `{{ }}` when the whole text is one, else the text (fields that are expressions accept both). */
export function unwrap(source: string): string {
  const parts = templateParts(source);
  return parts.length === 1 && typeof parts[0] !== 'string' ? parts[0]!.expression : source;
}

/** A compiled expression; throws ExpressionError when it does not parse. */
export async function compile(source: string): Promise<jsonata.Expression> {
  const cached = cache.get(source);
  if (cached) return cached;
  const build = await load();
  let expression: jsonata.Expression;
  try {
    expression = build(source, LIMITS);
  } catch (error) {
    const {message, position} = describe(error);
    throw new ExpressionError(source, message, position);
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(source, expression);
  return expression;
}

/** What a value becomes in stored JSON: no undefined, no functions, JSONata's sequences as plain lists. */
function plain(value: unknown): unknown {
  if (value === undefined || typeof value === 'function') return null;
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

/** The value of an expression (null when it matches nothing); throws ExpressionError. */
export async function evaluate(source: string, context: ExpressionContext): Promise<unknown> {
  const expression = await compile(unwrap(source));
  try {
    return plain(await expression.evaluate(context));
  } catch (error) {
    const {message, position} = describe(error);
    throw new ExpressionError(source, message, position);
  }
}

/** Truthy as a condition: not false, null, 0, empty text, or an empty list. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

export type TemplatePart = string | {expression: string};

/**
 * A string split into text and `{{ expression }}` parts (the expression without the braces, trimmed).
 * Text around a single part that is only white space is dropped, so `" {{ x }} "` is one part.
 */
export function templateParts(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  const pattern = /\{\{([\s\S]*?)\}\}/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push({expression: match[1]!.trim()});
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  const expressions = parts.filter((part) => typeof part !== 'string');
  if (expressions.length === 1 && parts.every((part) => typeof part !== 'string' || part.trim() === ''))
    return expressions;
  return parts;
}

const asText = (value: unknown): string =>
  value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);

/**
 * A value with its templates filled in: a string that is exactly `{{ expr }}` becomes the
 * expression's value (of any type), a string with `{{ expr }}` inside gets each value as text; lists
 * and objects are filled in throughout (keys are left as written).
 */
export async function render(value: unknown, context: ExpressionContext): Promise<unknown> {
  if (typeof value === 'string') {
    if (!value.includes('{{')) return value;
    const parts = templateParts(value);
    if (parts.length === 1 && typeof parts[0] !== 'string') return evaluate(parts[0]!.expression, context);
    let text = '';
    for (const part of parts)
      text += typeof part === 'string' ? part : asText(await evaluate(part.expression, context));
    return text;
  }
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) items.push(await render(item, context));
    return items;
  }
  if (value !== null && typeof value === 'object') {
    const entries: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) entries[key] = await render(item, context);
    return entries;
  }
  return value;
}

/** Every `{{ expression }}` in a value, with its place below `path` (for checking a definition). */
export function templatesIn(value: unknown, path: string): Array<{path: string; expression: string}> {
  if (typeof value === 'string')
    return templateParts(value)
      .filter((part) => typeof part !== 'string')
      .map((part) => ({path, expression: part.expression}));
  if (Array.isArray(value)) return value.flatMap((item, index) => templatesIn(item, `${path}[${index}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) =>
      templatesIn(item, /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`),
    );
  return [];
}

/** Why `source` does not compile, as one line, or undefined when it does. */
export async function compileProblem(source: string): Promise<string | undefined> {
  try {
    await compile(unwrap(source));
    return undefined;
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    const at = error.position === undefined ? '' : ` at character ${error.position}`;
    return `expression ${JSON.stringify(source.length > 80 ? `${source.slice(0, 80)}…` : source)} does not compile${at}: ${error.message}`;
  }
}
