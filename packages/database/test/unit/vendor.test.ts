import {execFileSync} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, relative} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {readCodeCache} from '../../src/vendor.js';

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the bundled TypeORM and mysql2', () => {
  it('are what the sources load at run time: no other file imports a value from typeorm or mysql2', () => {
    const gateways = new Set(['src/vendor.ts', 'src/typeorm.ts']);
    const offenders = sourceFiles(join(packageRoot, 'src'))
      .map((file) => ({file: relative(packageRoot, file), text: readFileSync(file, 'utf8')}))
      .filter(({file}) => !gateways.has(file))
      .flatMap(({file, text}) =>
        [
          ...text.matchAll(
            /(?:^|\n)\s*(import|export)\s+(?!type\b)[^;]*?from\s+'(typeorm|mysql2)[^']*'|(?<!typeof )import\(\s*'(typeorm|mysql2)[^']*'\s*\)/g,
          ),
        ].map((match) => `${file}: ${match[0].trim()}`),
      );
    expect(offenders).to.deep.equal([]);
  });

  it('load from dist/vendor with their code cache, and nothing of typeorm, mysql2 or better-sqlite3 from node_modules', () => {
    // A process of its own: what a command process loads, without the test runner's modules.
    const script = `
      import {createRequire} from 'node:module';
      const {openDataSource} = await import(${JSON.stringify(join(packageRoot, 'dist/data-source.js'))});
      const {loadVendored} = await import(${JSON.stringify(join(packageRoot, 'dist/vendor.js'))});
      const dataSource = await openDataSource({target: {engine: 'sqlite', file: process.argv[1]}, poolSize: 1, busyTimeoutMs: 5000, connectTimeoutMs: 5000});
      const [row] = await dataSource.query('SELECT 41 + 1 AS answer');
      await dataSource.destroy();
      const mysql = loadVendored('mysql2');
      // better-sqlite3's compiled addon is the one file of it that is not bundled.
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) => /[\\\\/]node_modules[\\\\/](typeorm|mysql2|better-sqlite3)[\\\\/]/.test(file) && !file.endsWith('.node'));
      const registry = globalThis[Symbol.for('systemprompt.database.vendor')];
      console.log(JSON.stringify({answer: row.answer, format: typeof mysql.callback.format, loaded, rejected: [...registry.values()].map((entry) => entry.script.cachedDataRejected)}));`;
    const directory = mkdtempSync(join(tmpdir(), 'systemprompt-vendor-'));
    try {
      const output = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', script, join(directory, 'db.sqlite')],
        {encoding: 'utf8'},
      );
      expect(JSON.parse(output)).to.deep.equal({answer: 42, format: 'function', loaded: [], rejected: [false, false]});
    } finally {
      rmSync(directory, {recursive: true, force: true});
    }
  });
});

describe('readCodeCache', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'systemprompt-vendor-'));
  });
  afterEach(() => rmSync(directory, {recursive: true, force: true}));

  const cacheFile = (header: string) => {
    const file = join(directory, 'lib.cjs.v8cache');
    writeFileSync(file, Buffer.concat([Buffer.from(header, 'latin1'), Buffer.from([1, 2, 3])]));
    return file;
  };

  it('gives the cache made from the bundle with the same hash, saying whether this Node.js made it', () => {
    const ours = readCodeCache(cacheFile(`//# bundle-hash=abc123 node=${process.version}\n`), 'abc123');
    expect({data: [...(ours?.data ?? [])], sameNode: ours?.sameNode}).to.deep.equal({data: [1, 2, 3], sameNode: true});
    expect(readCodeCache(cacheFile('//# bundle-hash=abc123 node=v0.0.1\n'), 'abc123')?.sameNode).to.equal(false);
  });

  it('gives nothing for a cache of another bundle, a bundle without hash, or no cache', () => {
    const file = cacheFile(`//# bundle-hash=abc123 node=${process.version}\n`);
    expect(readCodeCache(file, 'abc124')).to.equal(undefined);
    expect(readCodeCache(file, 'abc12')).to.equal(undefined);
    expect(readCodeCache(file, '')).to.equal(undefined);
    expect(readCodeCache(join(directory, 'missing.v8cache'), 'abc123')).to.equal(undefined);
  });
});
