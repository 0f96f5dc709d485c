import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {compareSchemas, formatChange} from '../lib/compare.mjs';
import {generateSchemas, schemaFileName} from '../lib/schema.mjs';
import {root} from './helpers.js';

const fixture = fileURLToPath(new URL('fixtures/counter.ts', import.meta.url));
const schemaOf = (file: string, id = 'counter:list') => generateSchemas({root, entries: [{id, file}]})[id];

describe('the --json schema generator', () => {
  let scratch: string;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'surface-schema-'));
  });
  after(() => rmSync(scratch, {recursive: true, force: true}));

  it("maps a list command's item type: properties, optional ones, literal unions, Date and null", () => {
    expect(schemaOf(fixture)).to.deep.equal({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'counter:list --json data',
      $comment: `The data of counter:list --json, from the return type of run() in tooling/surface/test/fixtures/counter.ts.`,
      type: 'array',
      items: {
        type: 'object',
        properties: {
          count: {type: 'number'},
          kind: {type: 'string', enum: ['daily', 'total']},
          name: {type: 'string'},
          note: {type: 'string'},
          resetAt: {anyOf: [{type: 'null'}, {type: 'string', format: 'date-time'}]},
        },
        required: ['count', 'kind', 'name', 'resetAt'],
      },
    });
  });

  it('reports a field whose type changed from number to string as breaking', () => {
    const variant = join(scratch, 'counter.ts');
    const source = readFileSync(fixture, 'utf8');
    expect(source).to.include('count: number;');
    writeFileSync(variant, source.replace('count: number;', 'count: string;'));
    const before = schemaOf(fixture);
    const after = schemaOf(variant);
    expect(after.items.properties.count).to.deep.equal({type: 'string'});
    expect(compareSchemas('counter:list', '@acme/counter', before, after).map(formatChange)).to.deep.equal([
      'counter:list: --json data[].count type changed from number to string (breaking)',
    ]);
  });

  it('types a real command: auth:providers is an array of providers', () => {
    const schema = schemaOf(join(root, 'packages/auth/src/commands/auth/providers.ts'), 'auth:providers');
    expect(schema.type).to.equal('array');
    expect(schema.items.type).to.equal('object');
    expect(schema.items.properties).to.include.keys('name', 'issuer', 'clientId', 'clientSecret', 'createdAt');
    expect(schema.items.properties.name).to.deep.equal({type: 'string'});
    expect(schema.items.properties.issuer).to.deep.equal({type: 'string'});
    expect(schema.items.required).to.include.members(['name', 'issuer', 'clientId']);
  });

  it("types a TextResult by the data run() passes to textResult, and says why a command's data is not typed", () => {
    const schemas = generateSchemas({
      root,
      entries: [
        {id: 'cli:docs', file: join(root, 'packages/cli/src/commands/cli/docs.ts')},
        {id: 'config:get', file: join(root, 'packages/config/src/commands/config/get.ts')},
        {id: 'plugins:inspect', plugin: '@oclif/plugin-plugins'},
      ],
    });
    expect(schemas['cli:docs'].type).to.equal('object');
    expect(schemas['cli:docs'].required).to.deep.equal(['bin', 'commands', 'errorCodes', 'version']);
    expect(schemas['cli:docs'].properties.commands.items.properties.flags.type).to.equal('array');
    expect(schemas['config:get']).to.not.have.any.keys('type', 'anyOf');
    expect(schemas['config:get'].$comment).to.match(/^Not typed: run\(\) returns Promise<unknown>/);
    expect(schemas['plugins:inspect'].$comment).to.equal(
      'Not typed: plugins:inspect comes from @oclif/plugin-plugins, whose source is not in this repository.',
    );
  });

  it('refuses an import it cannot resolve (an unbuilt package) rather than typing it as any', () => {
    const file = join(scratch, 'unbuilt.ts');
    writeFileSync(
      file,
      "import type {Row} from '@systemprompt/not-built';\nexport default class X {\n  async run(): Promise<Row[]> {\n    return [];\n  }\n}\n",
    );
    expect(() => schemaOf(file, 'x')).to.throw(
      /Cannot resolve @systemprompt\/not-built from .*unbuilt\.ts: build the workspace first/,
    );
  });

  it('names schema files by command id, with dots for colons', () => {
    expect(schemaFileName('auth:providers:add')).to.equal('auth.providers.add.schema.json');
  });
});
