import {invalidInput} from '@systemprompt/core';
import type {ErrorObject} from 'ajv';
import schema from '../schemas/workflow.schema.json' with {type: 'json'};
import type {Step, StepList, WorkflowDefinition} from '../generated/workflow.js';
import validateDefinition from '../generated/workflow.validate.js';
import {compileProblem, templateParts, templatesIn} from './expressions.js';
import {parseDuration, parseTime} from './durations.js';
import {inputsSchemaProblem} from './inputs.js';

/** One thing wrong with a definition, at its place (`steps[1].retry.attempts`). */
export interface DefinitionProblem {
  path: string;
  message: string;
}

const MAX_SOURCE_BYTES = 1_000_000;

type StepSchema = {properties: Record<string, unknown>; required: string[]};
const DEFINITIONS = schema.definitions as Record<string, {properties?: {type?: {const?: string}}; required?: string[]}>;
/** Each step type's properties and required ones, read from the schema (so this never drifts from it). */
const STEP_SCHEMAS = new Map<string, StepSchema>(
  Object.values(DEFINITIONS).flatMap((definition) => {
    const type = definition.properties?.type?.const;
    return type ? [[type, definition as unknown as StepSchema] as const] : [];
  }),
);
export const STEP_TYPES = [...STEP_SCHEMAS.keys()];

/** `/steps/1/then/0` as `steps[1].then[0]`. */
export function pathOf(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce(
      (path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment),
      '',
    );
}

/** Every step of a definition (nested ones too) with its JSON pointer, in document order. */
export function stepsOf(list: unknown, pointer: string): Array<{pointer: string; step: Record<string, unknown>}> {
  if (!Array.isArray(list)) return [];
  return list.flatMap((value, index) => {
    const at = `${pointer}/${index}`;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return [{pointer: at, step: {}}];
    const step = value as Record<string, unknown>;
    const nested = [
      ...stepsOf(step.then, `${at}/then`),
      ...stepsOf(step.else, `${at}/else`),
      ...stepsOf(step.steps, `${at}/steps`),
      ...(Array.isArray(step.branches)
        ? step.branches.flatMap((branch, b) => stepsOf(branch, `${at}/branches/${b}`))
        : []),
    ];
    return [{pointer: at, step}, ...nested];
  });
}

/** The step lists inside a typed step (a condition's then and else, a parallel's branches, a foreach's steps). */
export function childLists(step: Step): StepList[] {
  switch (step.type) {
    case 'condition':
      return step.else ? [step.then, step.else] : [step.then];
    case 'parallel':
      return step.branches;
    case 'foreach':
      return [step.steps];
    default:
      return [];
  }
}

/** Every step of a checked definition, in document order. */
export function allSteps(list: readonly Step[]): Step[] {
  return list.flatMap((step) => [step, ...childLists(step).flatMap((child) => allSteps(child))]);
}

const describeError = (error: ErrorObject): string => {
  if (error.keyword === 'additionalProperties')
    return `has an unknown property ${JSON.stringify((error.params as {additionalProperty: string}).additionalProperty)}`;
  if (error.keyword === 'required')
    return `lacks the required property ${JSON.stringify((error.params as {missingProperty: string}).missingProperty)}`;
  if (error.keyword === 'enum')
    return `must be one of ${((error.params as {allowedValues: unknown[]}).allowedValues ?? []).join(', ')}`;
  return error.message ?? 'is invalid';
};

/**
 * The schema's complaints, as people read them. A step is checked against every step type (the
 * schema's oneOf), so each type's complaints come back; only those of the type the step names are
 * kept, and a step of no known type gets one problem saying which types there are.
 */
function schemaProblems(data: unknown, errors: readonly ErrorObject[]): DefinitionProblem[] {
  const steps = new Map(
    stepsOf((data as {steps?: unknown} | null)?.steps, '/steps').map(({pointer, step}) => [pointer, step]),
  );
  const problems = new Map<string, DefinitionProblem>();
  const add = (pointer: string, message: string) => {
    const path = pathOf(pointer) || '(the definition)';
    problems.set(`${path}\u0000${message}`, {path, message});
  };
  for (const error of errors) {
    const pointer = error.instancePath;
    let owner: string | undefined;
    for (const candidate of steps.keys())
      if ((pointer === candidate || pointer.startsWith(`${candidate}/`)) && candidate.length > (owner?.length ?? -1))
        owner = candidate;
    if (owner === undefined) {
      add(pointer, describeError(error));
      continue;
    }
    const step = steps.get(owner)!;
    const value = (() => {
      let current: unknown = data;
      for (const segment of owner.split('/').slice(1)) current = (current as Record<string, unknown>)[segment];
      return current;
    })();
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      add(owner, 'must be an object (a step)');
      continue;
    }
    const type = typeof step.type === 'string' ? STEP_SCHEMAS.get(step.type) : undefined;
    if (!type) {
      add(
        `${owner}/type`,
        step.type === undefined
          ? `is missing: a step has a type (${STEP_TYPES.join(', ')})`
          : `must be one of ${STEP_TYPES.join(', ')}`,
      );
      continue;
    }
    if (pointer === owner) {
      if (error.keyword === 'oneOf') continue;
      if (
        error.keyword === 'required' &&
        !type.required.includes((error.params as {missingProperty: string}).missingProperty)
      )
        continue;
      if (
        error.keyword === 'additionalProperties' &&
        (error.params as {additionalProperty: string}).additionalProperty in type.properties
      )
        continue;
    } else {
      const property = pointer.slice(owner.length + 1).split('/')[0]!;
      if (property === 'type' || !(property in type.properties)) continue;
    }
    add(pointer, describeError(error));
  }
  return [...problems.values()];
}

/** The longest a stored step path may be (the column's size). */
const MAX_PATH_LENGTH = 400;
/** The room an item number takes in a path: `[9999].` (a foreach has at most 10,000 items). */
const ITEM_SUFFIX = 7;

/** The longest path each step's results can have, where it passes MAX_PATH_LENGTH (deepest first reported once). */
function pathLengths(list: readonly Step[], prefix: number, at = 'steps'): Array<{path: string; length: number}> {
  return list.flatMap((step, index) => {
    const here = `${at}[${index}]`;
    const length = prefix + step.id.length;
    if (length > MAX_PATH_LENGTH) return [{path: here, length}];
    const inner = step.type === 'foreach' ? length + ITEM_SUFFIX : prefix;
    switch (step.type) {
      case 'condition':
        return [
          ...pathLengths(step.then, inner, `${here}.then`),
          ...pathLengths(step.else ?? [], inner, `${here}.else`),
        ];
      case 'parallel':
        return step.branches.flatMap((branch, b) => pathLengths(branch, inner, `${here}.branches[${b}]`));
      case 'foreach':
        return pathLengths(step.steps, inner, `${here}.steps`);
      default:
        return [];
    }
  });
}

/** Problems the schema cannot see: repeated ids, expressions that do not compile, durations, URLs, the inputs schema. */
async function semanticProblems(definition: WorkflowDefinition): Promise<DefinitionProblem[]> {
  const problems: DefinitionProblem[] = [];
  const seen = new Map<string, string>();
  const expressions: Array<{path: string; expression: string; template: boolean}> = [];
  if (definition.output !== undefined)
    expressions.push({path: 'output', expression: definition.output, template: false});
  if (definition.inputs !== undefined) {
    const problem = await inputsSchemaProblem(definition.inputs);
    if (problem) problems.push({path: 'inputs', message: problem});
  }
  for (const {path, length} of pathLengths(definition.steps, 0))
    if (length > MAX_PATH_LENGTH)
      problems.push({
        path,
        message: `nests too deep: its results' paths (foreach ids and item numbers, then its id) can reach ${length} characters, more than ${MAX_PATH_LENGTH}`,
      });
  for (const {pointer, step: raw} of stepsOf(definition.steps, '/steps')) {
    const step = raw as unknown as Step;
    const at = pathOf(pointer);
    const where = (property: string) => `${at}.${property} (step ${step.id})`;
    const first = seen.get(step.id);
    if (first !== undefined)
      problems.push({path: `${at}.id`, message: `repeats the step id ${JSON.stringify(step.id)} of ${first}`});
    else seen.set(step.id, at);
    const templates = (value: unknown, property: string) => {
      for (const found of templatesIn(value, `${at}.${property}`))
        expressions.push({path: `${found.path} (step ${step.id})`, expression: found.expression, template: true});
    };
    if (step.if !== undefined) expressions.push({path: where('if'), expression: step.if, template: false});
    switch (step.type) {
      case 'tool':
        templates(step.args, 'args');
        break;
      case 'http':
        templates(step.url, 'url');
        templates(step.headers, 'headers');
        templates(step.body, 'body');
        if (!step.url.includes('{{') && !/^https?:\/\/[^/]/i.test(step.url))
          problems.push({path: where('url'), message: 'must be an http:// or https:// URL'});
        break;
      case 'delay': {
        if ((step.duration === undefined) === (step.until === undefined))
          problems.push({path: at, message: 'a delay step has either duration or until (one of them)'});
        const literal = (value: unknown) =>
          typeof value !== 'string' || templateParts(value).every((part) => typeof part === 'string');
        if (step.duration !== undefined) {
          templates(step.duration, 'duration');
          if (literal(step.duration) && parseDuration(step.duration) === undefined)
            problems.push({
              path: where('duration'),
              message: 'must be a duration such as 500ms, 30s, 5m, 2h, 1d or 1h30m (at most a year), or milliseconds',
            });
        }
        if (step.until !== undefined) {
          templates(step.until, 'until');
          if (literal(step.until) && parseTime(step.until) === undefined)
            problems.push({path: where('until'), message: 'must be an ISO 8601 time such as 2027-01-31T09:00:00Z'});
        }
        break;
      }
      case 'condition':
        expressions.push({path: where('expression'), expression: step.expression, template: false});
        break;
      case 'foreach':
        expressions.push({path: where('items'), expression: step.items, template: false});
        break;
      case 'workflow':
        templates(step.input, 'input');
        break;
      case 'agent':
        templates(step.task, 'task');
        templates(step.input, 'input');
        break;
      case 'parallel':
        break;
    }
  }
  for (const {path, expression, template} of expressions) {
    const problem =
      template && expression === '' ? 'an empty {{ }} has no expression' : await compileProblem(expression);
    if (problem) problems.push({path, message: problem});
  }
  return problems;
}

function refuse(problems: readonly DefinitionProblem[]): never {
  const [first] = problems;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw invalidInput(`Invalid workflow definition: ${first!.path}: ${first!.message}${more}`, {
    code: 'WORKFLOW_INVALID',
    details: {problems},
    ...(problems.length > 1
      ? {
          hint: problems
            .slice(1, 10)
            .map((problem) => `${problem.path}: ${problem.message}`)
            .join('; '),
        }
      : {}),
  });
}

/** The definition, checked: the schema, then ids, expressions and the rest; throws WORKFLOW_INVALID listing every problem. */
export async function checkDefinition(data: unknown): Promise<WorkflowDefinition> {
  if (!validateDefinition(data)) refuse(schemaProblems(data, validateDefinition.errors ?? []));
  const problems = await semanticProblems(data);
  if (problems.length > 0) refuse(problems);
  return data;
}

/** A definition's text (YAML, or JSON, which YAML reads too) as data; throws WORKFLOW_SOURCE_INVALID. */
export async function parseSource(text: string): Promise<unknown> {
  if (Buffer.byteLength(text) > MAX_SOURCE_BYTES)
    throw invalidInput(`The definition is larger than ${MAX_SOURCE_BYTES} bytes`, {code: 'WORKFLOW_SOURCE_INVALID'});
  if (text.trim() === '') throw invalidInput('The definition is empty', {code: 'WORKFLOW_SOURCE_INVALID'});
  const {parseDocument} = await import('yaml');
  const document = parseDocument(text, {uniqueKeys: true});
  const [error] = document.errors;
  const refuse = (message: string, at?: {line: number; col: number}): never => {
    throw invalidInput(
      `The definition is not valid YAML or JSON${at ? ` (line ${at.line}, column ${at.col})` : ''}: ${message}`,
      {code: 'WORKFLOW_SOURCE_INVALID'},
    );
  };
  if (error) refuse(error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:$/, ''), error.linePos?.[0]);
  try {
    return document.toJS({maxAliasCount: 100}) as unknown;
  } catch (failure) {
    // An alias to no anchor, or too many aliases (a "billion laughs" document).
    return refuse(failure instanceof Error ? failure.message : String(failure));
  }
}
