import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {MANIFEST_FILE, loadManifest, parseManifest} from '../../../src/manifest/load.js';
import {rejected} from '../helpers/errors.js';
import {makeTempDir, removeTempDir} from '../helpers/temp.js';

const yaml = `name: users
version: 1.0.0
type: service
description: Manages users
dependencies:
  - auth
permissions:
  - name: users:read
    description: Read users
`;

describe('parseManifest', () => {
  it('parses and validates YAML text', async () => {
    expect(await parseManifest(yaml, '/pkg/module.yaml')).to.deep.equal({
      name: 'users',
      version: '1.0.0',
      type: 'service',
      description: 'Manages users',
      dependencies: ['auth'],
      permissions: [{name: 'users:read', description: 'Read users'}],
    });
  });

  it('rejects text that is not YAML with MANIFEST_INVALID (exit 2), naming the file and the first line of the reason', async () => {
    const error = await rejected(parseManifest('name: [unclosed\ntype: service\n', '/pkg/module.yaml'));
    expect(error.code).to.equal('MANIFEST_INVALID');
    expect(error.exitCode).to.equal(2);
    expect(error.message).to.match(/^\/pkg\/module\.yaml is not valid YAML: /);
    expect(error.message).not.to.include('\n');
    expect(error.details).to.deep.equal({source: '/pkg/module.yaml'});
  });

  it('rejects duplicate keys as invalid YAML', async () => {
    const error = await rejected(parseManifest(`${yaml}name: again\n`, '/pkg/module.yaml'));
    expect(error.code).to.equal('MANIFEST_INVALID');
    expect(error.exitCode).to.equal(2);
    expect(error.message).to.include('not valid YAML');
  });

  it('rejects valid YAML that breaks the schema, naming the path', async () => {
    const error = await rejected(parseManifest(yaml.replace('type: service', 'type: server'), '/pkg/module.yaml'));
    expect(error.code).to.equal('MANIFEST_INVALID');
    expect(error.exitCode).to.equal(2);
    expect(error.message).to.equal(
      '/pkg/module.yaml is invalid: /type: must be one of service, daemon, plugin, core, extension',
    );
  });

  it('rejects an empty file', async () => {
    const error = await rejected(parseManifest('', '/pkg/module.yaml'));
    expect(error.code).to.equal('MANIFEST_INVALID');
    expect(error.message).to.equal('/pkg/module.yaml is invalid: /: must be object');
  });

  it('accepts the expected package version and rejects another one at /version', async () => {
    expect((await parseManifest(yaml, '/pkg/module.yaml', '1.0.0')).version).to.equal('1.0.0');
    const error = await rejected(parseManifest(yaml, '/pkg/module.yaml', '1.1.0'));
    expect(error.code).to.equal('MANIFEST_INVALID');
    expect(error.exitCode).to.equal(2);
    expect(error.message).to.equal(
      '/pkg/module.yaml is invalid: /version: 1.0.0 differs from the package version 1.1.0',
    );
    expect(error.details?.problems).to.deep.equal(['/version: must equal the package version 1.1.0']);
  });
});

describe('loadManifest', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await makeTempDir();
  });
  afterEach(() => removeTempDir(directory));

  it('reads module.yaml at the package root', async () => {
    expect(MANIFEST_FILE).to.equal('module.yaml');
    await writeFile(join(directory, 'module.yaml'), yaml);
    expect((await loadManifest(directory)).name).to.equal('users');
  });

  it('names the full path of the file in a validation error', async () => {
    await writeFile(join(directory, 'module.yaml'), yaml.replace('name: users', 'name: Users'));
    const error = await rejected(loadManifest(directory));
    expect(error.code).to.equal('MANIFEST_INVALID');
    expect(error.exitCode).to.equal(2);
    expect(error.message).to.include(`${join(directory, 'module.yaml')} is invalid: /name: must match pattern`);
  });

  it('fails with the file system error when there is no module.yaml', async () => {
    let failure: unknown;
    try {
      await loadManifest(directory);
    } catch (error) {
      failure = error;
    }
    expect((failure as NodeJS.ErrnoException).code).to.equal('ENOENT');
  });
});
