import {inspect} from 'node:util';
import {Script, createContext, type Context} from 'node:vm';
import type {Actor, ListQuery} from '@systemprompt/core';

/** What a REPL has in scope: `kernel`, `actor`, `services` (every module's, by name) and one name per service and sub-service. */
export type ReplScope = Record<string, unknown>;

/** The modules of a booted kernel, as the REPL sees them (the Kernel's own members). */
export interface BootedKernel {
  readonly booted: readonly string[];
  service<T>(name: string): T;
}

/** A list query for every row: what `users.list()` means without one (a partial one is filled up). */
const WHOLE_LIST: ListQuery = Object.freeze({
  page: 1,
  limit: null,
  filters: [],
  search: undefined,
  sort: undefined,
  order: 'asc',
});

const ACTOR_KINDS = new Set(['user', 'local', 'system', 'anonymous']);
const isActor = (value: unknown): value is Actor =>
  typeof value === 'object' &&
  value !== null &&
  ACTOR_KINDS.has((value as Actor).kind) &&
  typeof (value as Actor).id === 'string' &&
  typeof (value as Actor).via === 'string';

/** An object literal, also one typed into the REPL (whose Object.prototype is its context's, not this realm's). */
const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || Object.getPrototypeOf(prototype) === null;
};

/** A class instance with methods of its own: a service (UserService), not data (a config object, an array). */
const isServiceObject = (value: unknown): value is object => {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isPlainObject(value)) return false;
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (!prototype || prototype === Object.prototype) return false;
  return Object.getOwnPropertyNames(prototype).some(
    (name) => name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(prototype, name)?.value === 'function',
  );
};

/** The parameter names of a function, read from its source (`async list(actor, query = X) {`). */
export function parameterNames(fn: (...args: never[]) => unknown): string[] {
  const source = Function.prototype.toString.call(fn);
  const open = source.indexOf('(');
  if (open < 0) {
    const arrow = /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
    return arrow ? [arrow[1]!] : [];
  }
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  const parts: string[] = [];
  for (let index = open + 1; index < source.length; index += 1) {
    const char = source[index]!;
    if (quote) {
      if (char === '\\') index += 1;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'" || char === '`') quote = char;
    else if ('([{'.includes(char)) depth += 1;
    else if (')]}'.includes(char)) {
      if (depth === 0) break;
      depth -= 1;
    } else if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    if (depth === 0) current += char;
  }
  parts.push(current);
  // An empty part is no parameter (`()`, a trailing comma); a destructured one has no name ('').
  return parts
    .filter((part) => part.trim() !== '')
    .map((part) => /^\s*(?:\.\.\.)?([A-Za-z_$][\w$]*)/.exec(part)?.[1] ?? '');
}

/**
 * The service as the current user calls it: a method whose first parameter is `actor` gets `actor`
 * put in front of its arguments (unless the first one given is an actor already), and a missing or
 * partial `query` parameter becomes a query for every row. Sub-services (`users.roles`) are bound too.
 */
export function bindActor<T extends object>(service: T, actor: Actor, seen = new WeakMap<object, object>()): T {
  const cached = seen.get(service);
  if (cached) return cached as T;
  const methods = new Map<PropertyKey, unknown>();
  // The proxy stands on an object inheriting from the service, not on the service: a frozen service's
  // properties could not be answered with wrapped methods (a proxy invariant), and inherited ones can.
  const proxy = new Proxy(Object.create(service) as T, {
    get(_stand, property) {
      const value = Reflect.get(service, property, service) as unknown;
      if (typeof value === 'function') {
        if (!methods.has(property))
          methods.set(property, wrapMethod(service, value as (...args: unknown[]) => unknown, actor));
        return methods.get(property);
      }
      return isServiceObject(value) ? bindActor(value, actor, seen) : value;
    },
  });
  seen.set(service, proxy);
  return proxy;
}

function wrapMethod(target: object, method: (...args: unknown[]) => unknown, actor: Actor): unknown {
  const names = parameterNames(method);
  if (names[0] !== 'actor') return method.bind(target);
  const wrapped = (...args: unknown[]) => {
    if (isActor(args[0])) return method.apply(target, args);
    const full = [actor, ...args];
    names.forEach((name, index) => {
      if (name !== 'query' || index === 0) return;
      const given = full[index];
      if (given === undefined) full[index] = WHOLE_LIST;
      else if (isPlainObject(given) && !Array.isArray(given.filters)) full[index] = {...WHOLE_LIST, ...given};
    });
    return method.apply(target, full);
  };
  Object.defineProperty(wrapped, 'name', {value: method.name});
  return wrapped;
}

const identifier = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * The REPL's scope over a booted kernel: `kernel`, `actor`, `services.<module>` for every module that
 * publishes a service, each service's own sub-services by their name (`users`, `roles`, `sessions` from
 * the users module), and each module's service as `<module>` where that name is still free. Methods are
 * called as `actor` (bindActor): the services' own permission checks decide.
 */
export function replScope(kernel: BootedKernel, actor: Actor): {scope: ReplScope; names: string[]} {
  const services: Record<string, unknown> = {};
  const scope: ReplScope = {kernel, actor, services};
  const subServices: Array<[string, unknown]> = [];
  for (const name of kernel.booted) {
    let service: unknown;
    try {
      service = kernel.service(name);
    } catch {
      continue;
    }
    if (typeof service !== 'object' || service === null) continue;
    const bound = bindActor(service, actor);
    services[identifier(name)] = bound;
    for (const [key, value] of Object.entries(service))
      if (isServiceObject(value)) subServices.push([key, (bound as Record<string, unknown>)[key]]);
  }
  // Sub-services first: `users` is the users module's UserService (users.list()), the module's whole
  // service stays at services.users.
  for (const [key, value] of subServices) if (!(key in scope)) scope[key] = value;
  for (const [key, value] of Object.entries(services)) if (!(key in scope)) scope[key] = value;
  return {scope, names: Object.keys(scope).sort()};
}

/** One evaluated input: its value, or the error it threw. */
export interface Evaluation {
  /** The 1-based line where the input started. */
  line: number;
  input: string;
  ok: boolean;
  value?: unknown;
  error?: {name: string; message: string; code?: string; exitCode?: number};
}

/** Globals of Node that code typed into the REPL expects besides the language's own. */
const NODE_GLOBALS = [
  'console',
  'process',
  'Buffer',
  'URL',
  'URLSearchParams',
  'TextEncoder',
  'TextDecoder',
  'AbortController',
  'AbortSignal',
  'performance',
  'structuredClone',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
  'queueMicrotask',
] as const;

/** A vm context holding the scope and Node's globals, where declarations persist from one input to the next. */
export function replContext(scope: ReplScope): Context {
  const globals = Object.fromEntries(NODE_GLOBALS.map((name) => [name, (globalThis as Record<string, unknown>)[name]]));
  return createContext({...globals, ...scope});
}

const DECLARATION = /^\s*(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=/;

/** Whether brackets are still open at the end of the input (outside strings and comments): more lines follow. */
export function unfinished(input: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (let index = 0; index < input.length; index += 1) {
    const char = input[index]!;
    if (quote) {
      if (char === '\\') index += 1;
      else if (char === quote) quote = undefined;
    } else if (char === '/' && input[index + 1] === '/') {
      const end = input.indexOf('\n', index);
      index = end < 0 ? input.length : end;
    } else if (char === '/' && input[index + 1] === '*') {
      const end = input.indexOf('*/', index + 2);
      if (end < 0) return true;
      index = end + 1;
    } else if (char === '"' || char === "'" || char === '`') quote = char;
    else if ('([{'.includes(char)) depth += 1;
    else if (')]}'.includes(char)) depth -= 1;
  }
  return depth > 0 || quote === '`';
}

/** Compiles an input as the Node REPL reads it: an expression, or statements; `await` anywhere at the top. */
function compile(input: string): Script {
  const candidates: string[] = [];
  if (/\bawait\b/.test(input)) {
    candidates.push(`(async () => (\n${input}\n))()`);
    // Top-level declarations outlive the async wrapper as assignments to the context's globals.
    candidates.push(`(async () => {\n${input.replace(DECLARATION, (_, name: string) => `${name} =`)}\n})()`);
  } else {
    if (/^\s*\{/.test(input)) candidates.push(`(${input}\n)`);
    candidates.push(input);
  }
  let failure: unknown;
  for (const code of candidates) {
    try {
      return new Script(code, {filename: 'dev:repl'});
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      // The last form is the most general (statements): its complaint is the one to show.
      failure = error;
    }
  }
  throw failure;
}

/**
 * Evaluates lines of input one after the other, each to its end (a promise is awaited) before the
 * next: what piped standard input gets. A line that leaves an expression unfinished continues on the
 * next ones, as in the REPL.
 */
export async function* evaluateLines(lines: AsyncIterable<string>, context: Context): AsyncGenerator<Evaluation> {
  let pending = '';
  let startLine = 0;
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (pending === '') {
      if (line.trim() === '') continue;
      startLine = number;
    }
    pending = pending === '' ? line : `${pending}\n${line}`;
    let script: Script;
    try {
      script = compile(pending);
    } catch (error) {
      if (error instanceof SyntaxError && unfinished(pending)) continue;
      yield failed(startLine, pending, error);
      pending = '';
      continue;
    }
    const input = pending;
    pending = '';
    try {
      yield {line: startLine, input, ok: true, value: await script.runInContext(context)};
    } catch (error) {
      yield failed(startLine, input, error);
    }
  }
  if (pending !== '') {
    try {
      yield {line: startLine, input: pending, ok: true, value: await compile(pending).runInContext(context)};
    } catch (error) {
      yield failed(startLine, pending, error);
    }
  }
}

function failed(line: number, input: string, error: unknown): Evaluation {
  const known = error as {name?: string; message?: string; code?: unknown; exitCode?: unknown};
  return {
    line,
    input,
    ok: false,
    error: {
      name: typeof known?.name === 'string' ? known.name : 'Error',
      message: typeof known?.message === 'string' ? known.message : String(error),
      ...(typeof known?.code === 'string' ? {code: known.code} : {}),
      ...(typeof known?.exitCode === 'number' ? {exitCode: known.exitCode} : {}),
    },
  };
}

/** A value as the REPL prints it. */
export const show = (value: unknown): string => inspect(value, {depth: 6, breakLength: 120, colors: false});

/** A value as JSON can carry it (what --json prints): JSON's own form, else the REPL's text. */
export function jsonValue(value: unknown): unknown {
  if (value === undefined) return null;
  try {
    return JSON.parse(
      JSON.stringify(value, (_, inner: unknown) => (typeof inner === 'bigint' ? inner.toString() : inner)),
    ) as unknown;
  } catch {
    return show(value);
  }
}
