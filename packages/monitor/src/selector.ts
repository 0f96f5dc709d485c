import {invalidInput, type Sample} from '@systemprompt/core';

/**
 * PromQL instant-vector selectors (`metric{label="v", label!="v", label=~"re", label!~"re"}`), as
 * Prometheus reads them: regular expressions are fully anchored, a label a series lacks compares as
 * the empty string, strings take double quotes, single quotes or backticks. A selector here must name
 * its metric (before the braces, or as `__name__="..."`): the servers publish exactly the samples the
 * rules name.
 */
export type MatchOperator = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  label: string;
  op: MatchOperator;
  value: string;
}

export interface Selector {
  /** The sample name it selects (`x_count` of a histogram, `x_total` of a counter, ...). */
  name: string;
  matchers: Matcher[];
  /** The selector as written, trimmed. */
  text: string;
}

/** A selector whose regular expressions are compiled, for matching many samples. */
export interface CompiledSelector extends Selector {
  matches(sample: Pick<Sample, 'name' | 'labels'>): boolean;
}

const NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const MAX_LENGTH = 1000;

const selectorError = (position: number, message: string) =>
  invalidInput(`Selector: at position ${position}: ${message}`, {
    code: 'MONITOR_SELECTOR_INVALID',
    details: {position},
    hint: `Write it as in PromQL, e.g. 'systemprompt_http_request_duration_seconds_count{status=~"5.."}'.`,
  });

const ESCAPES: Record<string, string> = {n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", '`': '`'};

/** Parses a selector; a mistake is exit 2 with the (1-based) position where it was found. */
export function parseSelector(input: string): Selector {
  const text = input.trim();
  if (text === '') throw selectorError(1, 'the selector is empty');
  if (text.length > MAX_LENGTH) throw selectorError(MAX_LENGTH + 1, `longer than ${MAX_LENGTH} characters`);
  let index = 0;
  const at = () => index + 1;
  const skipSpace = () => {
    while (index < text.length && /\s/.test(text[index]!)) index++;
  };
  const token = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (!match) return undefined;
    index = pattern.lastIndex;
    return match[0];
  };
  const describe = () => (index >= text.length ? 'the end' : JSON.stringify(text[index]));

  let name = token(NAME);
  const matchers: Matcher[] = [];
  skipSpace();
  if (text[index] === '{') {
    index++;
    for (;;) {
      skipSpace();
      if (text[index] === '}') {
        index++;
        break;
      }
      const labelAt = at();
      const label = token(LABEL);
      if (!label) throw selectorError(at(), `expected a label name or "}", found ${describe()}`);
      skipSpace();
      const op = (['=~', '!~', '!=', '='] as const).find((candidate) => text.startsWith(candidate, index));
      if (!op) throw selectorError(at(), `expected =, !=, =~ or !~ after ${label}, found ${describe()}`);
      index += op.length;
      skipSpace();
      const valueAt = at();
      const value = readString();
      if (op === '=~' || op === '!~') {
        try {
          new RegExp(`^(?:${value})$`);
        } catch (error) {
          throw selectorError(
            valueAt,
            `the regular expression ${JSON.stringify(value)} is not valid (${firstLine(error)})`,
          );
        }
      }
      if (label === '__name__') {
        if (op !== '=') throw selectorError(labelAt, '__name__ takes = only (a rule watches one metric)');
        if (name !== undefined && name !== value)
          throw selectorError(labelAt, `__name__="${value}" contradicts the metric name ${name}`);
        name = value;
      } else matchers.push({label, op, value});
      skipSpace();
      if (text[index] === ',') {
        index++;
        continue;
      }
      if (text[index] === '}') {
        index++;
        break;
      }
      throw selectorError(at(), `expected "," or "}", found ${describe()}`);
    }
  }
  skipSpace();
  if (index < text.length) throw selectorError(at(), `unexpected ${describe()} after the selector`);
  if (!name) throw selectorError(1, 'name the metric (metric_name{...} or {__name__="metric_name"})');
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw selectorError(1, `${JSON.stringify(name)} is not a metric name`);
  return {name, matchers, text};

  function readString(): string {
    const quote = text[index];
    if (quote !== '"' && quote !== "'" && quote !== '`')
      throw selectorError(at(), `expected a quoted string, found ${describe()}`);
    const start = at();
    index++;
    let value = '';
    while (index < text.length && text[index] !== quote) {
      const char = text[index]!;
      if (char === '\\' && quote !== '`') {
        const escaped = text[index + 1];
        if (escaped === undefined || !(escaped in ESCAPES)) {
          // PromQL keeps unknown escapes for regular expressions (\d, \.): so does this.
          value += char + (escaped ?? '');
          index += 2;
          continue;
        }
        value += ESCAPES[escaped];
        index += 2;
        continue;
      }
      value += char;
      index++;
    }
    if (text[index] !== quote) throw selectorError(start, 'the string is not closed');
    index++;
    return value;
  }
}

const firstLine = (error: unknown) => String(error instanceof Error ? error.message : error).split('\n')[0];

/** Compiles the regular expressions once (anchored at both ends, as Prometheus does). */
export function compileSelector(selector: Selector): CompiledSelector {
  const tests = selector.matchers.map(({label, op, value}) => {
    if (op === '=') return (labels: Record<string, string>) => (labels[label] ?? '') === value;
    if (op === '!=') return (labels: Record<string, string>) => (labels[label] ?? '') !== value;
    const pattern = new RegExp(`^(?:${value})$`);
    return op === '=~'
      ? (labels: Record<string, string>) => pattern.test(labels[label] ?? '')
      : (labels: Record<string, string>) => !pattern.test(labels[label] ?? '');
  });
  return {
    ...selector,
    matches: (sample) => sample.name === selector.name && tests.every((test) => test(sample.labels)),
  };
}

/** The selector in one canonical form (name, then the matchers as written, double-quoted). */
export function formatSelector(selector: Selector): string {
  if (selector.matchers.length === 0) return selector.name;
  const quoted = (value: string) => JSON.stringify(value);
  return `${selector.name}{${selector.matchers.map((m) => `${m.label}${m.op}${quoted(m.value)}`).join(', ')}}`;
}

/** `a="1", b="2"`: a series' labels, sorted, for tables and series keys. */
export function labelText(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${JSON.stringify(labels[key])}`)
    .join(', ');
}
