// JSON Schemas (draft 2020-12) of each command's `--json` data, from the TypeScript return type of its
// run(). One ts.Program over every command source file; workspace imports resolve to the built
// dist/*.d.ts through each package's exports, as the packages themselves compile.
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join, relative, sep} from 'node:path';
import ts from 'typescript';

export const SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

// Deeper than any result type here; a cap keeps a pathological type from running away.
const MAX_DEPTH = 24;

/** `users:list` → `users.list.schema.json` (a ':' is awkward in file names on some systems). */
export const schemaFileName = (id) => `${id.replaceAll(':', '.')}.schema.json`;

const posix = (path) => path.split(sep).join('/');

/**
 * Every command source file of the repository (`{id, file, dir, package}`) with the command id its path
 * gives (oclif's default: `src/commands/users/list.ts` is `users:list`, an `index.ts` names its directory).
 */
export function commandSources(root) {
  const packages = [];
  for (const parent of ['apps', 'packages']) {
    const dir = join(root, parent);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const commands = join(dir, name, 'src', 'commands');
      const manifest = join(dir, name, 'package.json');
      if (existsSync(commands) && existsSync(manifest))
        packages.push({dir: join(dir, name), commands, name: JSON.parse(readFileSync(manifest, 'utf8')).name});
    }
  }
  const sources = [];
  for (const {dir, commands, name} of packages) {
    for (const file of readdirSync(commands, {recursive: true}).map(String).sort()) {
      if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
      const parts = posix(file).replace(/\.ts$/, '').split('/');
      if (parts.at(-1) === 'index') parts.pop();
      if (parts.length === 0) continue;
      sources.push({id: parts.join(':'), file: join(commands, file), dir, package: name});
    }
  }
  return sources;
}

/** The compiler options of tooling/tsconfig's base, for type checking only. */
export function compilerOptions(root) {
  const base = join(root, 'tooling', 'tsconfig', 'tsconfig.base.json');
  const {config, error} = ts.readConfigFile(base, (path) => readFileSync(path, 'utf8'));
  if (error) throw new Error(`${base}: ${ts.flattenDiagnosticMessageText(error.messageText, '\n')}`);
  const {options} = ts.convertCompilerOptionsFromJson(config.compilerOptions ?? {}, root);
  return {
    ...options,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
    composite: false,
    incremental: false,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    skipLibCheck: true,
  };
}

/**
 * The schema of each entry's `--json` data: `entries` are `{id, file, plugin?}` (a missing file: a
 * command whose source is not in this repository). Returns `{[id]: schema}`.
 */
export function generateSchemas({root, entries, options}) {
  const files = [...new Set(entries.filter((entry) => entry.file).map((entry) => entry.file))];
  const program = ts.createProgram({rootNames: files, options: options ?? compilerOptions(root)});
  const checker = program.getTypeChecker();
  const unresolved = files.flatMap((file) => unresolvedImports(checker, program.getSourceFile(file), root));
  if (unresolved.length > 0) {
    // Each would silently become `any`: a schema of nothing.
    throw new Error(
      `Cannot resolve ${unresolved.slice(0, 5).join('; ')}${unresolved.length > 5 ? ` and ${unresolved.length - 5} more` : ''}: build the workspace first (pnpm run build).`,
    );
  }
  const schemas = {};
  for (const entry of [...entries].sort((a, b) => a.id.localeCompare(b.id))) {
    const where = entry.file ? posix(relative(root, entry.file)) : undefined;
    const header = {
      $schema: SCHEMA_DIALECT,
      title: `${entry.id} --json data`,
    };
    if (!entry.file) {
      schemas[entry.id] = {
        ...header,
        $comment: `Not typed: ${entry.id} comes from ${entry.plugin || 'a plugin'}, whose source is not in this repository.`,
      };
      continue;
    }
    const sourceFile = program.getSourceFile(entry.file);
    const typed = sourceFile ? commandDataSchema(checker, sourceFile, entry.id) : {why: `${where} was not loaded`};
    schemas[entry.id] = typed.why
      ? {...header, $comment: `Not typed: ${typed.why} (${where}).`}
      : {
          ...header,
          $comment: `The data of ${entry.id} --json, from the return type of run() in ${where}.`,
          ...typed.schema,
        };
  }
  return schemas;
}

function unresolvedImports(checker, sourceFile, root) {
  if (!sourceFile) return [];
  return sourceFile.statements
    .filter(
      (statement) =>
        (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier,
    )
    .filter((statement) => !checker.getSymbolAtLocation(statement.moduleSpecifier))
    .map((statement) => `${statement.moduleSpecifier.text} from ${posix(relative(root, sourceFile.fileName))}`);
}

/** `{schema}` for the default-exported command class of `sourceFile`, or `{why}` it cannot be typed. */
function commandDataSchema(checker, sourceFile, id) {
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  let command = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((symbol) => symbol.name === 'default');
  if (!command) return {why: 'the file has no default export'};
  if (command.flags & ts.SymbolFlags.Alias) command = checker.getAliasedSymbol(command);
  if (!(command.flags & ts.SymbolFlags.Class)) return {why: 'the default export is not a class'};
  const instance = checker.getDeclaredTypeOfSymbol(command);
  if (!extendsClass(checker, instance, 'SystemPromptCommand'))
    return {why: `${id} is an oclif command, not a SystemPromptCommand: its output is not the JSON envelope`};
  const run = checker.getPropertyOfType(instance, 'run');
  const signature = run && checker.getSignaturesOfType(checker.getTypeOfSymbol(run), ts.SignatureKind.Call)[0];
  if (!signature) return {why: 'the command has no run()'};
  const returned = checker.getReturnTypeOfSignature(signature);
  const awaited = checker.getAwaitedType(returned) ?? returned;
  if (awaited.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))
    return {why: `run() returns ${checker.typeToString(returned)}`};
  const declaration = run.valueDeclaration ?? run.declarations?.[0];
  const context = newContext(checker);
  const schema = resultSchema(awaited, context, declaration);
  return {schema: withDefs(schema, context)};
}

function extendsClass(checker, type, name) {
  const seen = new Set();
  const queue = [type];
  while (queue.length > 0) {
    const current = queue.shift();
    if (seen.has(current)) continue;
    seen.add(current);
    if (current.symbol?.name === name) return true;
    if (current.isClassOrInterface?.() || current.objectFlags & ts.ObjectFlags.Reference) {
      const target = current.objectFlags & ts.ObjectFlags.Reference ? current.target : current;
      queue.push(...(checker.getBaseTypes(target) ?? []));
    } else if (current.isIntersection()) queue.push(...current.types);
  }
  return false;
}

const newContext = (checker) => ({checker, stack: new Map(), defs: new Map(), names: new Map(), depth: 0, hint: ''});

function withDefs(schema, context) {
  if (context.defs.size === 0) return schema;
  const defs = Object.fromEntries([...context.defs.entries()].sort(([a], [b]) => a.localeCompare(b)));
  return {...schema, $defs: defs};
}

// ---- what the envelope's data is, by the result's shape (as render.ts's successEnvelope decides) ----

const property = (checker, type, name) => {
  const symbol = checker.getPropertyOfType(type, name);
  return symbol ? checker.getTypeOfSymbol(symbol) : undefined;
};

/** A ListResult: `items` (an array) and `total` (a number); its data is the items. */
function listItems(checker, type) {
  if (!(type.flags & ts.TypeFlags.Object) && !type.isIntersection()) return undefined;
  const items = property(checker, type, 'items');
  const total = property(checker, type, 'total');
  if (!items || !total || !(total.flags & ts.TypeFlags.NumberLike) || !checker.isArrayType(items)) return undefined;
  return items;
}

/** A FollowResult (`$follow: true`): with --json one envelope per line, each with one item as data. */
function followItem(checker, type) {
  if (!property(checker, type, '$follow')) return undefined;
  const initial = property(checker, type, 'initial');
  return initial && (checker.isArrayType(initial) || checker.isTupleType(initial))
    ? checker.getTypeArguments(initial)[0]
    : undefined;
}

/** A TextResult (`$text`): its data is its `data`, else its text. */
const isTextResult = (checker, type) =>
  (type.flags & ts.TypeFlags.Object || type.isIntersection()) && Boolean(property(checker, type, '$text'));

function resultSchema(type, context, runDeclaration) {
  const {checker} = context;
  const members = type.isUnion() && !(type.flags & ts.TypeFlags.Boolean) ? type.types : [type];
  const schemas = [];
  const rest = [];
  let text = false;
  for (const member of members) {
    const items = listItems(checker, member);
    const item = items ? undefined : followItem(checker, member);
    if (items) schemas.push(convert(items, context));
    else if (item) schemas.push(convert(item, context));
    else if (isTextResult(checker, member)) text = true;
    else rest.push(member);
  }
  if (text) schemas.push(textDataSchema(runDeclaration, context));
  if (rest.length > 0) schemas.push(convertUnion(rest, context));
  return anyOf(schemas);
}

/**
 * A TextResult's data, from the `textResult(text, data)` calls that run() returns: the type of each
 * `data` (the text, a string, where there is none). A TextResult made anywhere else is not typed.
 */
function textDataSchema(declaration, context) {
  const {checker} = context;
  const untyped = {$comment: 'A TextResult whose data is not typed here.'};
  if (!declaration?.body) return untyped;
  const schemas = [];
  let unknown = false;
  const inspect = (node) => {
    const expression = skipOuter(node);
    if (ts.isConditionalExpression(expression)) return (inspect(expression.whenTrue), inspect(expression.whenFalse));
    if (ts.isCallExpression(expression) && calls(checker, expression, 'textResult')) {
      const data = expression.arguments[1];
      if (!data) return schemas.push({type: 'string'});
      const type = checker.getTypeAtLocation(data);
      const types = type.isUnion() ? type.types : [type];
      const kept = types.filter(
        (member) => !(member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.Null)),
      );
      if (kept.length < types.length) schemas.push({type: 'string'});
      if (kept.length > 0) schemas.push(convertUnion(kept, context));
      return;
    }
    const type = checker.getTypeAtLocation(expression);
    const awaited = checker.getAwaitedType(type) ?? type;
    const types = awaited.isUnion() ? awaited.types : [awaited];
    if (
      types.some((member) => isTextResult(checker, member) || member.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))
    )
      unknown = true;
  };
  const visit = (node) => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isReturnStatement(node) && node.expression) inspect(node.expression);
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(declaration.body, visit);
  return unknown || schemas.length === 0 ? untyped : anyOf(schemas);
}

function skipOuter(node) {
  let current = node;
  for (;;) {
    if (ts.isParenthesizedExpression(current) || ts.isAwaitExpression(current) || ts.isNonNullExpression(current))
      current = current.expression;
    else if (ts.isAsExpression(current) || ts.isSatisfiesExpression(current) || ts.isTypeAssertionExpression(current))
      current = current.expression;
    else return current;
  }
}

function calls(checker, call, name) {
  let symbol = checker.getSymbolAtLocation(call.expression);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  return symbol?.name === name;
}

// ---- TypeScript types to JSON Schema ------------------------------------------------------------

const NULLISH = ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.Null;

/** A union of schemas, flattened, deduplicated and sorted; plain types merge into one `type` list. */
export function anyOf(schemas) {
  const flat = schemas.flatMap((schema) => (isOnly(schema, 'anyOf') ? schema.anyOf : [schema]));
  if (flat.some((schema) => Object.keys(schema).length === 0 || isOnly(schema, '$comment')))
    return flat.find((schema) => Object.keys(schema).length > 0 && isOnly(schema, '$comment')) ?? {};
  const unique = [...new Map(flat.map((schema) => [JSON.stringify(schema), schema])).entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, schema]) => schema);
  if (unique.length === 1) return unique[0];
  if (unique.length === 0) return {not: {}};
  if (unique.every((schema) => isOnly(schema, 'type'))) {
    const types = [...new Set(unique.flatMap((schema) => [schema.type].flat()))].sort();
    return {type: types.length === 1 ? types[0] : types};
  }
  return {anyOf: unique};
}

const isOnly = (schema, key) => Object.keys(schema).length === 1 && key in schema;

function convertUnion(types, context) {
  const strings = new Set();
  const numbers = new Set();
  const booleans = new Set();
  const schemas = [];
  const plain = {string: false, number: false, boolean: false};
  for (const type of types) {
    if (type.flags & ts.TypeFlags.StringLiteral) strings.add(type.value);
    else if (type.flags & ts.TypeFlags.NumberLiteral) numbers.add(type.value);
    else if (type.flags & ts.TypeFlags.BooleanLiteral) booleans.add(type.intrinsicName === 'true');
    else {
      if (type.flags & ts.TypeFlags.StringLike) plain.string = true;
      if (type.flags & ts.TypeFlags.NumberLike) plain.number = true;
      if (type.flags & ts.TypeFlags.BooleanLike) plain.boolean = true;
      schemas.push(convert(type, context));
    }
  }
  const sorted = (values) => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (strings.size > 0 && !plain.string) schemas.push({type: 'string', enum: sorted(strings)});
  if (numbers.size > 0 && !plain.number) schemas.push({type: 'number', enum: sorted(numbers)});
  if (booleans.size === 2 && !plain.boolean) schemas.push({type: 'boolean'});
  else if (booleans.size === 1 && !plain.boolean) schemas.push({type: 'boolean', enum: [...booleans]});
  return anyOf(schemas);
}

function convert(type, context) {
  const {checker} = context;
  const flags = type.flags;
  if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
  if (flags & ts.TypeFlags.Never) return {not: {}};
  if (flags & NULLISH) return {type: 'null'};
  if (flags & ts.TypeFlags.Boolean) return {type: 'boolean'};
  if (flags & ts.TypeFlags.BooleanLiteral) return {type: 'boolean', enum: [type.intrinsicName === 'true']};
  if (flags & ts.TypeFlags.StringLiteral) return {type: 'string', enum: [type.value]};
  if (flags & ts.TypeFlags.NumberLiteral) return {type: 'number', enum: [type.value]};
  if (flags & ts.TypeFlags.StringLike) return {type: 'string'};
  if (flags & ts.TypeFlags.NumberLike) return {type: 'number'};
  if (flags & ts.TypeFlags.BigIntLike) return {$comment: 'A bigint, which JSON.stringify refuses.'};
  if (flags & ts.TypeFlags.ESSymbolLike) return {not: {}};
  if (flags & ts.TypeFlags.TypeParameter) {
    const constraint = checker.getBaseConstraintOfType(type);
    return constraint && constraint !== type ? convert(constraint, context) : {};
  }
  if (type.isUnion()) return convertUnion(type.types, context);
  if (type.isIntersection()) {
    // A branded primitive (`string & {__brand: 'Id'}`) serializes as the primitive.
    const primitive = type.types.find((member) => member.flags & ts.TypeFlags.Primitive);
    if (primitive) return convert(primitive, context);
  }
  if (flags & ts.TypeFlags.NonPrimitive) return {type: 'object'};
  if (flags & ts.TypeFlags.Object || type.isIntersection()) return convertObject(type, context);
  return {$comment: `Not typed: ${checker.typeToString(type)}.`};
}

const isFromLib = (symbol) =>
  (symbol?.declarations ?? []).some((declaration) =>
    /[\\/]typescript[\\/]lib[\\/]lib\.[^\\/]*\.d\.ts$/.test(declaration.getSourceFile().fileName),
  );

function convertObject(type, context) {
  const {checker} = context;
  const symbol = type.getSymbol();
  if (symbol?.name === 'Date' && isFromLib(symbol)) return {type: 'string', format: 'date-time'};
  if (['Map', 'Set', 'WeakMap', 'WeakSet', 'RegExp', 'Error'].includes(symbol?.name) && isFromLib(symbol))
    return {type: 'object', $comment: `A ${symbol.name}, which JSON.stringify writes as {}.`};
  // What JSON.stringify writes is what toJSON returns (Buffer, URL, class instances that define it).
  const toJSON = checker.getPropertyOfType(type, 'toJSON');
  if (toJSON) {
    const [signature] = checker.getSignaturesOfType(checker.getTypeOfSymbol(toJSON), ts.SignatureKind.Call);
    if (signature) return convert(checker.getReturnTypeOfSignature(signature), context);
  }
  if (
    checker.getPropertiesOfType(type).length === 0 &&
    checker.getSignaturesOfType(type, ts.SignatureKind.Call).length > 0
  )
    return {not: {}};

  const active = context.stack.get(type);
  if (active) {
    active.recursive = true;
    return {$ref: `#/$defs/${active.name}`};
  }
  if (context.depth >= MAX_DEPTH) return {$comment: `Not typed beyond ${MAX_DEPTH} levels.`};
  const entry = {name: defName(type, context), recursive: false};
  context.stack.set(type, entry);
  context.depth += 1;
  try {
    const schema = checker.isTupleType(type)
      ? convertTuple(type, context)
      : checker.isArrayType(type)
        ? {type: 'array', items: hinted(context, 'Item', () => convert(checker.getTypeArguments(type)[0], context))}
        : objectSchema(type, context);
    if (!entry.recursive) return schema;
    context.defs.set(entry.name, schema);
    return {$ref: `#/$defs/${entry.name}`};
  } finally {
    context.depth -= 1;
    context.stack.delete(type);
  }
}

/** Runs `convert` with `suffix` added to the name hint (the property path) of anonymous types. */
function hinted(context, suffix, convert, replace = false) {
  const saved = context.hint;
  context.hint = replace ? suffix : `${saved ?? ''}${suffix}`;
  try {
    return convert();
  } finally {
    context.hint = saved;
  }
}

/** A recursive type's name in $defs: its own name, else the property it was reached through. */
function defName(type, context) {
  const known = context.names.get(type);
  if (known) return known;
  const own = type.aliasSymbol?.name ?? type.getSymbol()?.name;
  const pascal = (text) => text.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, __, letter) => letter.toUpperCase());
  const base =
    own && !own.startsWith('__') && own !== 'Array' && own !== 'ReadonlyArray'
      ? own.replace(/[^\w.-]/g, '_')
      : pascal(context.hint ?? '') || 'Type';
  const taken = new Set(context.names.values());
  let name = base;
  for (let index = 2; taken.has(name); index += 1) name = `${base}${index}`;
  context.names.set(type, name);
  return name;
}

function objectSchema(type, context) {
  const {checker} = context;
  const properties = {};
  const required = [];
  for (const prop of checker.getPropertiesOfType(type)) {
    // Symbol keys and methods never reach JSON.
    if (prop.name.startsWith('__@') || prop.flags & ts.SymbolFlags.Method) continue;
    const propType = checker.getTypeOfSymbol(prop);
    const types = propType.isUnion() && !(propType.flags & ts.TypeFlags.Boolean) ? propType.types : [propType];
    // JSON.stringify leaves out undefined values and functions.
    const kept = types.filter(
      (member) => !(member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) && !isFunction(checker, member),
    );
    if (kept.length === 0) continue;
    properties[prop.name] = hinted(context, prop.name, () => convertUnion(kept, context), true);
    const optional = Boolean(prop.flags & ts.SymbolFlags.Optional) || kept.length < types.length;
    if (!optional) required.push(prop.name);
  }
  const schema = {type: 'object'};
  const names = Object.keys(properties).sort();
  if (names.length > 0) schema.properties = Object.fromEntries(names.map((name) => [name, properties[name]]));
  if (required.length > 0) schema.required = required.sort();
  const index = checker
    .getIndexInfosOfType(type)
    .find((info) => info.keyType.flags & (ts.TypeFlags.String | ts.TypeFlags.Number | ts.TypeFlags.TemplateLiteral));
  if (index) {
    const types = index.type.isUnion() && !(index.type.flags & ts.TypeFlags.Boolean) ? index.type.types : [index.type];
    const kept = types.filter((member) => !(member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
    schema.additionalProperties =
      kept.length > 0 ? hinted(context, 'Value', () => convertUnion(kept, context)) : {not: {}};
  }
  return schema;
}

const isFunction = (checker, type) =>
  type.flags & ts.TypeFlags.Object &&
  checker.getSignaturesOfType(type, ts.SignatureKind.Call).length > 0 &&
  checker.getPropertiesOfType(type).length === 0;

function convertTuple(type, context) {
  const {checker} = context;
  const target = type.target;
  const elements = checker.getTypeArguments(type);
  const flags = target.elementFlags ?? [];
  const prefix = [];
  let rest;
  elements.forEach((element, index) => {
    const schema = hinted(context, 'Item', () => convert(element, context));
    if (flags[index] & ts.ElementFlags.Variable) rest = schema;
    else prefix.push(schema);
  });
  const schema = {type: 'array', prefixItems: prefix, minItems: target.minLength ?? prefix.length};
  if (rest) schema.items = rest;
  else {
    schema.items = false;
    schema.maxItems = prefix.length;
  }
  return schema;
}
