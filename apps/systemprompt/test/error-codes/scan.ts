import ts from 'typescript';

/**
 * Finds the error codes a TypeScript source file uses, from its syntax alone (no type checking, so
 * scanning every package takes about a second):
 * - `{code: 'X'}` passed to an error factory (`notFound(message, {code: 'X'})`) or to
 *   `new SystemPromptError(message, {code: 'X', exitCode: ExitCode.Conflict})`: the code and the
 *   exit code it leaves with (also `{code}` where `code` is a constant of the file);
 * - a string given, in the same file, to a helper that passes its `code` parameter on to a factory
 *   (`const bad = (message, code) => unavailable(message, {code})`; `bad('...', 'X')`);
 * - any other `code: 'X'` property (exit code unknown: the object goes through other code);
 * - `codes.X` where `codes` is imported from an error catalogue (`error-codes.js`).
 * Conditional codes (`a ? 'X' : 'Y'`, `inner?.code ?? 'X'`) count every literal branch.
 */

export interface CodeUse {
  code: string;
  line: number;
  /** The exit code this use leaves with, when the syntax tells. */
  exitCode?: number;
  /** How it was found: a factory name, `new SystemPromptError`, a helper, `code property` or `catalogue`. */
  via: string;
}

export interface SourceScan {
  uses: CodeUse[];
  /** Every SCREAMING_SNAKE string literal in the file: a declared code is in use if one of these names it. */
  literals: Set<string>;
}

/** The exit code of each error factory, by name, e.g. `{notFound: 3}`. */
export type FactoryExits = Readonly<Record<string, number>>;

const CATALOGUE_MODULE = /(^|\/)error-codes(\.js)?$/;
const SCREAMING = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

const calleeName = (expression: ts.Expression): string | undefined =>
  ts.isIdentifier(expression)
    ? expression.text
    : ts.isPropertyAccessExpression(expression)
      ? expression.name.text
      : undefined;

/** The string literals an expression can evaluate to: every branch of `?:`, `??` and `||`. */
function literalsOf(expression: ts.Expression): string[] {
  if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) return [expression.text];
  if (ts.isParenthesizedExpression(expression) || ts.isAsExpression(expression) || ts.isSatisfiesExpression(expression))
    return literalsOf(expression.expression);
  if (ts.isConditionalExpression(expression))
    return [...literalsOf(expression.whenTrue), ...literalsOf(expression.whenFalse)];
  if (
    ts.isBinaryExpression(expression) &&
    (expression.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken ||
      expression.operatorToken.kind === ts.SyntaxKind.BarBarToken)
  ) {
    return [...literalsOf(expression.left), ...literalsOf(expression.right)];
  }
  return [];
}

function property(
  object: ts.ObjectLiteralExpression,
  name: string,
): ts.PropertyAssignment | ts.ShorthandPropertyAssignment | undefined {
  return object.properties.find(
    (element): element is ts.PropertyAssignment | ts.ShorthandPropertyAssignment =>
      (ts.isPropertyAssignment(element) || ts.isShorthandPropertyAssignment(element)) &&
      element.name.getText() === name,
  );
}

/** `ExitCode.Conflict`, or the fallback of `inner?.exitCode ?? ExitCode.Conflict`. */
function exitCodeOf(
  expression: ts.Expression | undefined,
  exitCodes: Readonly<Record<string, number>>,
): number | undefined {
  if (!expression) return undefined;
  if (ts.isBinaryExpression(expression) && expression.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken)
    return exitCodeOf(expression.right, exitCodes);
  if (
    ts.isPropertyAccessExpression(expression) &&
    ts.isIdentifier(expression.expression) &&
    expression.expression.text === 'ExitCode'
  )
    return exitCodes[expression.name.text];
  if (ts.isNumericLiteral(expression)) return Number(expression.text);
  return undefined;
}

/** The options object of an error-creating call and the exit code the call gives, if it is one. */
function errorCall(
  node: ts.Node,
  factories: FactoryExits,
  exitCodes: Readonly<Record<string, number>>,
): {options: ts.ObjectLiteralExpression; exitCode: number | undefined; via: string} | undefined {
  if (!ts.isCallExpression(node) && !ts.isNewExpression(node)) return undefined;
  const name = calleeName(node.expression);
  const options = node.arguments?.[1];
  if (!name || !options || !ts.isObjectLiteralExpression(options)) return undefined;
  if (ts.isCallExpression(node) && Object.hasOwn(factories, name))
    return {options, exitCode: factories[name], via: name};
  if (ts.isNewExpression(node) && name === 'SystemPromptError') {
    const exit = property(options, 'exitCode');
    return {
      options,
      exitCode: exit && ts.isPropertyAssignment(exit) ? exitCodeOf(exit.initializer, exitCodes) : undefined,
      via: 'new SystemPromptError',
    };
  }
  return undefined;
}

/** Functions of this file with a `code` parameter that they pass on as an error factory's code. */
function codeHelpers(
  source: ts.SourceFile,
  factories: FactoryExits,
  exitCodes: Readonly<Record<string, number>>,
): Map<string, {index: number; exitCode: number | undefined}> {
  const helpers = new Map<string, {index: number; exitCode: number | undefined}>();
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const index = node.parameters.findIndex(
        (parameter) => ts.isIdentifier(parameter.name) && parameter.name.text === 'code',
      );
      const name =
        node.name && ts.isIdentifier(node.name)
          ? node.name.text
          : ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name)
            ? node.parent.name.text
            : undefined;
      if (index >= 0 && name) {
        // The first error call in the body whose code is this parameter: `{code}` or `{code: code}`.
        const forwarding = (inner: ts.Node): {exitCode: number | undefined} | undefined => {
          const call = errorCall(inner, factories, exitCodes);
          const code = call && property(call.options, 'code');
          if (
            code &&
            (ts.isShorthandPropertyAssignment(code) ||
              (ts.isIdentifier(code.initializer) && code.initializer.text === 'code'))
          )
            return {exitCode: call.exitCode};
          return ts.forEachChild(inner, forwarding);
        };
        const found = forwarding(node.body);
        if (found) helpers.set(name, {index, exitCode: found.exitCode});
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return helpers;
}

/** The `const` declarations of the file whose value is a code (or a choice of codes), by name; a name declared twice is left out. */
function codeConstants(source: ts.SourceFile): Map<string, ts.Expression> {
  const constants = new Map<string, ts.Expression | undefined>();
  const visit = (node: ts.Node): void => {
    if (
      ts.isVariableDeclaration(node) &&
      ts.isIdentifier(node.name) &&
      node.initializer &&
      (node.parent.flags & ts.NodeFlags.Const) !== 0 &&
      literalsOf(node.initializer).length > 0
    ) {
      constants.set(node.name.text, constants.has(node.name.text) ? undefined : node.initializer);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return new Map([...constants].filter((entry): entry is [string, ts.Expression] => entry[1] !== undefined));
}

export function scanSource(
  fileName: string,
  text: string,
  factories: FactoryExits,
  exitCodes: Readonly<Record<string, number>>,
): SourceScan {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const helpers = codeHelpers(source, factories, exitCodes);
  const catalogues = new Set<string>();
  for (const statement of source.statements) {
    if (
      !ts.isImportDeclaration(statement) ||
      !ts.isStringLiteral(statement.moduleSpecifier) ||
      !CATALOGUE_MODULE.test(statement.moduleSpecifier.text)
    )
      continue;
    const clause = statement.importClause;
    if (clause?.name) catalogues.add(clause.name.text);
    if (clause?.namedBindings && ts.isNamespaceImport(clause.namedBindings))
      catalogues.add(clause.namedBindings.name.text);
  }

  const constants = codeConstants(source);
  const uses: CodeUse[] = [];
  const literals = new Set<string>();
  const counted = new Set<ts.Node>();
  const add = (expression: ts.Expression, via: string, exitCode: number | undefined, at: ts.Node = expression) => {
    for (const code of literalsOf(expression))
      uses.push({code, line: lineOf(at), via, ...(exitCode === undefined ? {} : {exitCode})});
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && SCREAMING.test(node.text))
      literals.add(node.text);
    const call = errorCall(node, factories, exitCodes);
    const code = call && property(call.options, 'code');
    if (call && code) {
      // `{code: 'X'}`, or `{code}` / `{code: CODE}` naming a constant of this file.
      const named = ts.isShorthandPropertyAssignment(code)
        ? code.name
        : ts.isIdentifier(code.initializer)
          ? code.initializer
          : undefined;
      const constant = named && constants.get(named.text);
      if (constant) add(constant, call.via, call.exitCode, code);
      else if (ts.isPropertyAssignment(code)) add(code.initializer, call.via, call.exitCode);
      counted.add(code);
    }
    if (ts.isCallExpression(node)) {
      const name = calleeName(node.expression);
      const helper = name === undefined ? undefined : helpers.get(name);
      const argument = helper && node.arguments[helper.index];
      if (helper && argument) add(argument, `${name}()`, helper.exitCode);
    }
    if (ts.isPropertyAssignment(node) && node.name.getText() === 'code' && !counted.has(node))
      add(node.initializer, 'code property', undefined);
    if (
      ts.isPropertyAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      catalogues.has(node.expression.text) &&
      SCREAMING.test(node.name.text)
    ) {
      uses.push({code: node.name.text, line: lineOf(node), via: 'catalogue'});
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return {uses, literals};
}

export const isErrorCodeName = (code: string): boolean => SCREAMING.test(code);
