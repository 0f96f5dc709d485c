// What changed between the committed surface and the generated one, each change classified:
// breaking (a script or a reader of --json that worked may fail), additive, or compatible.

/** One change: `{command, package, kind, text}`; its report line is `command: text (kind)`. */
const change = (command, pkg, kind, text) => ({command, package: pkg, kind, text});

export const formatChange = ({command, kind, text}) => `${command}: ${text} (${kind})`;

const list = (values) => values.map((value) => JSON.stringify(value)).join(', ');
const show = (value) => (value === undefined ? 'none' : JSON.stringify(value));

/** Changes between two command snapshots (`{bin, commands}`, see snapshotOf). */
export function compareCommands(before, after) {
  const changes = [];
  const old = new Map(before.commands.map((command) => [command.id, command]));
  const now = new Map(after.commands.map((command) => [command.id, command]));
  const aliasOwner = new Map(after.commands.flatMap((command) => command.aliases.map((alias) => [alias, command])));
  for (const command of before.commands) {
    const renamed = aliasOwner.get(command.id);
    if (now.has(command.id)) changes.push(...compareCommand(command, now.get(command.id)));
    else if (renamed) {
      changes.push(change(command.id, command.package, 'compatible', `renamed to ${renamed.id}, kept as its alias`));
      // What the old name now runs: the renamed command, whose new name is one of its names too.
      const names = [renamed.id, ...renamed.aliases].filter((name) => name !== command.id);
      changes.push(
        ...compareCommand(command, {...renamed, id: command.id, aliases: names}).filter(
          (entry) => !/^alias .* added$/.test(entry.text),
        ),
      );
    } else changes.push(change(command.id, command.package, 'breaking', 'command removed'));
  }
  for (const command of after.commands) {
    if (!old.has(command.id)) changes.push(change(command.id, command.package, 'additive', 'command added'));
  }
  return changes;
}

function compareCommand(a, b) {
  const changes = [];
  const add = (kind, text) => changes.push(change(b.id, b.package, kind, text));
  for (const alias of a.aliases) if (!b.aliases.includes(alias)) add('breaking', `alias ${alias} removed`);
  for (const alias of b.aliases) if (!a.aliases.includes(alias)) add('additive', `alias ${alias} added`);
  if (a.package !== b.package) add('compatible', `moved from ${a.package} to ${b.package}`);
  if (a.deprecated !== b.deprecated) add('compatible', b.deprecated ? 'deprecated' : 'no longer deprecated');

  const flags = new Map(b.flags.map((flag) => [flag.name, flag]));
  for (const flag of a.flags) {
    const next = flags.get(flag.name);
    const name = `flag --${flag.name}`;
    if (!next) {
      add('breaking', `${name} removed`);
      continue;
    }
    if (flag.char && flag.char !== next.char)
      add(
        'breaking',
        next.char ? `${name}: char -${flag.char} changed to -${next.char}` : `${name}: char -${flag.char} removed`,
      );
    else if (!flag.char && next.char) add('additive', `${name}: char -${next.char} added`);
    if (flag.type !== next.type) add('breaking', `${name}: type changed from ${flag.type} to ${next.type}`);
    if (flag.multiple !== next.multiple)
      add('breaking', `${name}: multiple changed from ${flag.multiple} to ${next.multiple}`);
    changes.push(...compareRequirement(b, name, flag, next), ...compareOptions(b, name, flag, next));
    if (JSON.stringify(flag.default) !== JSON.stringify(next.default))
      add('compatible', `${name}: default changed from ${show(flag.default)} to ${show(next.default)}`);
  }
  const previous = new Set(a.flags.map((flag) => flag.name));
  for (const flag of b.flags) {
    if (!previous.has(flag.name))
      add(flag.required ? 'breaking' : 'additive', `flag --${flag.name} added${flag.required ? ' as required' : ''}`);
  }

  const args = new Map(b.args.map((arg, index) => [arg.name, {arg, index}]));
  a.args.forEach((arg, index) => {
    const name = `argument ${arg.name}`;
    const next = args.get(arg.name);
    if (!next) return add('breaking', `${name} removed`);
    if (next.index !== index) add('breaking', `${name} moved from position ${index + 1} to ${next.index + 1}`);
    changes.push(...compareRequirement(b, name, arg, next.arg), ...compareOptions(b, name, arg, next.arg));
  });
  const before = new Set(a.args.map((arg) => arg.name));
  for (const arg of b.args) {
    if (!before.has(arg.name))
      add(arg.required ? 'breaking' : 'additive', `argument ${arg.name} added${arg.required ? ' as required' : ''}`);
  }
  return changes;
}

function compareRequirement(command, name, a, b) {
  if (a.required === b.required) return [];
  return [
    b.required
      ? change(command.id, command.package, 'breaking', `${name} became required`)
      : change(command.id, command.package, 'additive', `${name} no longer required`),
  ];
}

function compareOptions(command, name, a, b) {
  const changes = [];
  const add = (kind, text) => changes.push(change(command.id, command.package, kind, text));
  if (a.options && b.options) {
    const removed = a.options.filter((option) => !b.options.includes(option));
    const added = b.options.filter((option) => !a.options.includes(option));
    if (removed.length > 0)
      add('breaking', `${name}: option value${removed.length > 1 ? 's' : ''} ${list(removed)} removed`);
    if (added.length > 0) add('additive', `${name}: option value${added.length > 1 ? 's' : ''} ${list(added)} added`);
  } else if (b.options) add('breaking', `${name}: now limited to ${list(b.options)}`);
  else if (a.options) add('additive', `${name}: no longer limited to ${list(a.options)}`);
  return changes;
}

// ---- schemas of --json data --------------------------------------------------------------------

const META = new Set(['$schema', '$id', '$comment', 'title', 'description', '$defs', 'examples']);

/**
 * Changes between two schemas of one command's `--json` data, as its readers see them: a property
 * removed, a type changed (narrowed or widened), a property that became optional or nullable, an enum
 * value removed are breaking; a property or enum value added, or data typed that was not, is additive.
 */
export function compareSchemas(id, pkg, before, after) {
  const changes = [];
  const add = (kind, text) => changes.push(change(id, pkg, kind, text));
  // The pairs being compared on the way here: a recursive type ($ref) is compared once, not forever.
  const ancestors = new Set();
  const walk = (path, a, b, depth = 0) => {
    const side = (schema) => (typeof schema?.$ref === 'string' ? `$ref ${schema.$ref}` : JSON.stringify(schema));
    const pair = `${side(a)}\u0000${side(b)}`;
    if (depth > MAX_DEPTH || ancestors.has(pair)) return;
    ancestors.add(pair);
    try {
      compareNode(path, resolve(before, a), resolve(after, b), depth);
    } finally {
      ancestors.delete(pair);
    }
  };
  const compareNode = (path, left, right, depth) => {
    const fa = facets(before, left);
    const fb = facets(after, right);
    if (fa === ANY && fb === ANY) return;
    if (fa === ANY) return add('additive', `--json ${path} typed as ${typeList(fb)} (was not typed)`);
    if (fb === ANY) return add('breaking', `--json ${path} no longer typed (was ${typeList(fa)})`);
    const removed = [...fa.keys()].filter((type) => !fb.has(type));
    const added = [...fb.keys()].filter((type) => !fa.has(type));
    if (removed.length === 0 && added.length === 1 && added[0] === 'null')
      add('breaking', `--json ${path} became nullable`);
    else if (removed.length > 0 || added.length > 0)
      add('breaking', `--json ${path} type changed from ${typeList(fa)} to ${typeList(fb)}`);
    for (const [type, left] of fa) {
      const right = fb.get(type);
      if (right) compareFacet(path, type, left, right, depth + 1);
    }
  };
  const compareFacet = (path, type, a, b, depth) => {
    if (type === 'object') {
      for (const [name, schemas] of a.properties) {
        const at = `${path}.${name}`;
        if (!b.properties.has(name)) {
          add('breaking', `--json ${at} removed`);
          continue;
        }
        if (a.required.has(name) && !b.required.has(name)) add('breaking', `--json ${at} became optional`);
        if (!a.required.has(name) && b.required.has(name)) add('additive', `--json ${at} is now always present`);
        walk(at, union(schemas), union(b.properties.get(name)), depth);
      }
      for (const name of b.properties.keys())
        if (!a.properties.has(name)) add('additive', `--json ${path}.${name} added`);
      if (a.additional && b.additional) walk(`${path}.*`, a.additional, b.additional, depth);
      else if (a.additional) add('breaking', `--json ${path}: other properties (${path}.*) no longer allowed`);
      else if (b.additional) add('additive', `--json ${path}: other properties (${path}.*) allowed`);
    } else if (type === 'array') {
      walk(`${path}[]`, a.items, b.items, depth);
    } else if (type === 'string' || type === 'number' || type === 'integer' || type === 'boolean') {
      if (a.enum && b.enum) {
        const removed = a.enum.filter((value) => !b.enum.some((other) => other === value));
        const added = b.enum.filter((value) => !a.enum.some((other) => other === value));
        if (removed.length > 0)
          add('breaking', `--json ${path}: value${removed.length > 1 ? 's' : ''} ${list(removed)} removed`);
        if (added.length > 0)
          add('additive', `--json ${path}: value${added.length > 1 ? 's' : ''} ${list(added)} added`);
      } else if (b.enum) add('breaking', `--json ${path} narrowed to ${list(b.enum)}`);
      else if (a.enum) add('additive', `--json ${path}: any ${type} now (was ${list(a.enum)})`);
      if (a.format !== b.format)
        add('breaking', `--json ${path}: format changed from ${a.format ?? 'none'} to ${b.format ?? 'none'}`);
    }
  };
  walk('data', before, after);
  return changes;
}

const ANY = Symbol('any');
const MAX_DEPTH = 48;

/** One schema for several: nested anyOfs flattened, duplicates dropped, in a stable order. */
function union(schemas) {
  const flat = schemas.flatMap((schema) =>
    schema && typeof schema === 'object' && Object.keys(schema).length === 1 && Array.isArray(schema.anyOf)
      ? schema.anyOf
      : [schema],
  );
  const unique = [...new Map(flat.map((schema) => [JSON.stringify(schema), schema])).entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, schema]) => schema);
  return unique.length === 1 ? unique[0] : {anyOf: unique};
}
const typeList = (facets) => [...facets.keys()].sort().join('|') || 'nothing';

/** Follows `$ref`s (`#/$defs/Name`) within `root`. */
function resolve(root, schema) {
  let current = schema;
  for (let hops = 0; current && typeof current === 'object' && typeof current.$ref === 'string'; hops += 1) {
    const match = /^#\/\$defs\/(.+)$/.exec(current.$ref);
    const target = match ? root.$defs?.[match[1]] : undefined;
    if (!target || hops > 64) return {};
    current = target;
  }
  return current ?? {};
}

const isAny = (schema) => schema === true || Object.keys(schema).every((key) => META.has(key));

/**
 * A schema as a map from each JSON type it admits to what it says about that type, the members of an
 * anyOf merged (an object's properties are the union, required where every member requires them).
 */
function facets(root, schema) {
  const members = [];
  const collect = (node) => {
    const current = resolve(root, node);
    if (current === false || current.not) return true;
    if (isAny(current)) return false;
    if (Array.isArray(current.anyOf) || Array.isArray(current.oneOf)) {
      return (current.anyOf ?? current.oneOf).every(collect);
    }
    const types = current.type === undefined ? inferTypes(current) : [current.type].flat();
    if (types.length === 0) return false;
    for (const type of types) members.push({type, schema: current});
    return true;
  };
  if (!collect(schema)) return ANY;
  const byType = new Map();
  for (const {type, schema: member} of members) {
    if (!byType.has(type)) byType.set(type, []);
    byType.get(type).push(member);
  }
  const result = new Map();
  for (const [type, schemas] of byType) result.set(type, merge(type, schemas));
  return result;
}

function inferTypes(schema) {
  if (schema.properties || schema.additionalProperties !== undefined) return ['object'];
  if (schema.items !== undefined || schema.prefixItems) return ['array'];
  if (schema.enum) return [...new Set(schema.enum.map((value) => (value === null ? 'null' : typeof value)))];
  return [];
}

function merge(type, schemas) {
  if (type === 'object') {
    const properties = new Map();
    const counts = new Map();
    const additional = [];
    for (const schema of schemas) {
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        if (!properties.has(name)) properties.set(name, []);
        properties.get(name).push(property);
      }
      for (const name of schema.required ?? []) counts.set(name, (counts.get(name) ?? 0) + 1);
      if (schema.additionalProperties !== undefined && schema.additionalProperties !== false)
        additional.push(schema.additionalProperties);
    }
    const required = new Set([...counts].filter(([, count]) => count === schemas.length).map(([name]) => name));
    return {properties, required, additional: additional.length > 0 ? union(additional) : undefined};
  }
  if (type === 'array') {
    const items = schemas.flatMap((schema) => [
      ...(schema.prefixItems ?? []),
      ...(schema.items === undefined || schema.items === false ? [] : [schema.items]),
    ]);
    return {items: items.length === 0 ? {} : union(items)};
  }
  const unrestricted = schemas.some((schema) => !Array.isArray(schema.enum));
  const values = unrestricted ? undefined : [...new Set(schemas.flatMap((schema) => schema.enum))];
  const formats = new Set(schemas.map((schema) => schema.format));
  return {enum: values, format: formats.size === 1 ? [...formats][0] : undefined};
}
