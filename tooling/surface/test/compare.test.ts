import {expect} from 'chai';
import {compareCommands, compareSchemas, formatChange} from '../lib/compare.mjs';

const flag = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  type: 'option',
  required: false,
  multiple: false,
  ...extra,
});
const command = (extra: Record<string, unknown> = {}) => ({
  id: 'users:list',
  aliases: ['users:ls'],
  package: '@systemprompt/users',
  deprecated: false,
  flags: [
    flag('format', {options: ['json', 'table', 'yaml']}),
    flag('limit', {char: 'l', default: 50}),
    flag('all', {type: 'boolean'}),
  ],
  args: [
    {name: 'role', required: false},
    {name: 'status', required: false, options: ['disabled', 'enabled']},
  ],
  ...extra,
});
const lines = (before: any, after: any) =>
  compareCommands({bin: 'sp', commands: [before]}, {bin: 'sp', commands: [after]}).map(formatChange);

describe('compareCommands', () => {
  it('finds nothing between equal snapshots', () => {
    expect(lines(command(), command())).to.deep.equal([]);
  });

  it('classifies a removed command or alias as breaking and an added one as additive', () => {
    const before = {bin: 'sp', commands: [command()]};
    const after = {bin: 'sp', commands: [command({id: 'users:show', aliases: []})]};
    expect(compareCommands(before, after).map(formatChange)).to.deep.equal([
      'users:list: command removed (breaking)',
      'users:show: command added (additive)',
    ]);
    expect(lines(command(), command({aliases: ['users:all']}))).to.deep.equal([
      'users:list: alias users:ls removed (breaking)',
      'users:list: alias users:all added (additive)',
    ]);
  });

  it('takes a rename that keeps the old id as an alias as compatible, and compares what the old id now runs', () => {
    const before = {bin: 'sp', commands: [command()]};
    const after = {bin: 'sp', commands: [command({id: 'users:all', aliases: ['users:list', 'users:ls']})]};
    expect(compareCommands(before, after).map(formatChange)).to.deep.equal([
      'users:list: renamed to users:all, kept as its alias (compatible)',
      'users:all: command added (additive)',
    ]);
    const [, ...flags] = command().flags;
    const dropped = {bin: 'sp', commands: [command({id: 'users:all', aliases: ['users:list'], flags})]};
    expect(compareCommands(before, dropped).map(formatChange)).to.deep.equal([
      'users:list: renamed to users:all, kept as its alias (compatible)',
      'users:list: alias users:ls removed (breaking)',
      'users:list: flag --format removed (breaking)',
      'users:all: command added (additive)',
    ]);
  });

  it("classifies a flag's char, type, multiple, required and option changes", () => {
    const after = command({
      flags: [
        flag('format', {options: ['json', 'table']}),
        flag('limit', {char: 'n', required: true, multiple: true, default: 50}),
        flag('all', {options: ['yes', 'no']}),
        flag('since', {required: true}),
        flag('search', {char: 's'}),
      ],
    });
    expect(lines(command(), after)).to.deep.equal([
      'users:list: flag --format: option value "yaml" removed (breaking)',
      'users:list: flag --limit: char -l changed to -n (breaking)',
      'users:list: flag --limit: multiple changed from false to true (breaking)',
      'users:list: flag --limit became required (breaking)',
      'users:list: flag --all: type changed from boolean to option (breaking)',
      'users:list: flag --all: now limited to "yes", "no" (breaking)',
      'users:list: flag --since added as required (breaking)',
      'users:list: flag --search added (additive)',
    ]);
  });

  it('takes added option values, a char added, a default changed and a flag no longer required as compatible', () => {
    const before = command({
      flags: [flag('format', {options: ['json']}), flag('limit', {required: true, default: 50})],
    });
    const after = command({
      flags: [flag('format', {options: ['json', 'yaml']}), flag('limit', {char: 'l', default: 20})],
      deprecated: true,
    });
    expect(lines(before, after)).to.deep.equal([
      'users:list: deprecated (compatible)',
      'users:list: flag --format: option value "yaml" added (additive)',
      'users:list: flag --limit: char -l added (additive)',
      'users:list: flag --limit no longer required (additive)',
      'users:list: flag --limit: default changed from 50 to 20 (compatible)',
    ]);
  });

  it('classifies arguments removed, moved, made required or limited as breaking', () => {
    const after = command({
      args: [
        {name: 'status', required: true, options: ['enabled']},
        {name: 'email', required: false},
      ],
    });
    expect(lines(command(), after)).to.deep.equal([
      'users:list: argument role removed (breaking)',
      'users:list: argument status moved from position 2 to 1 (breaking)',
      'users:list: argument status became required (breaking)',
      'users:list: argument status: option value "disabled" removed (breaking)',
      'users:list: argument email added (additive)',
    ]);
  });
});

describe('compareSchemas', () => {
  const object = (properties: Record<string, unknown>, required: string[]) => ({type: 'object', properties, required});
  const schema = (items: unknown) => ({$schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', items});
  const base = schema(
    object(
      {
        id: {type: 'string'},
        status: {type: 'string', enum: ['disabled', 'enabled']},
        lastLoginAt: {type: 'string', format: 'date-time'},
        roles: {type: 'array', items: {type: 'string'}},
        extra: {},
      },
      ['id', 'lastLoginAt', 'roles', 'status'],
    ),
  );
  const lines = (after: unknown, before: unknown = base) =>
    compareSchemas('users:list', '@systemprompt/users', before, after).map(formatChange);

  it('finds nothing between equal schemas', () => {
    expect(lines(structuredClone(base))).to.deep.equal([]);
  });

  it('classifies a removed property, one that became optional or nullable, and a narrowed enum as breaking', () => {
    const after = schema(
      object(
        {
          status: {type: 'string', enum: ['enabled', 'locked']},
          lastLoginAt: {anyOf: [{type: 'null'}, {type: 'string', format: 'date-time'}]},
          roles: {type: 'array', items: {type: 'string'}},
          extra: {type: 'object'},
          email: {type: 'string'},
        },
        ['lastLoginAt', 'status'],
      ),
    );
    expect(lines(after)).to.deep.equal([
      'users:list: --json data[].id removed (breaking)',
      'users:list: --json data[].status: value "disabled" removed (breaking)',
      'users:list: --json data[].status: value "locked" added (additive)',
      'users:list: --json data[].lastLoginAt became nullable (breaking)',
      'users:list: --json data[].roles became optional (breaking)',
      'users:list: --json data[].extra typed as object (was not typed) (additive)',
      'users:list: --json data[].email added (additive)',
    ]);
  });

  it('classifies a type that changed or became untyped as breaking', () => {
    expect(lines(schema({type: 'object'}), schema({type: ['null', 'object']}))).to.deep.equal([
      'users:list: --json data[] type changed from null|object to object (breaking)',
    ]);
    expect(lines({$comment: 'Not typed: run() returns Promise<unknown>.'})).to.deep.equal([
      'users:list: --json data no longer typed (was array) (breaking)',
    ]);
  });

  it('compares recursive types through $defs once per definition', () => {
    const tree = (leaf: unknown) => ({
      $ref: '#/$defs/Node',
      $defs: {
        Node: object({name: leaf, children: {type: 'array', items: {$ref: '#/$defs/Node'}}}, ['children', 'name']),
      },
    });
    expect(lines(tree({type: 'string'}), tree({type: 'string'}))).to.deep.equal([]);
    expect(lines(tree({type: 'number'}), tree({type: 'string'}))).to.deep.equal([
      'users:list: --json data.name type changed from string to number (breaking)',
    ]);
  });
});
