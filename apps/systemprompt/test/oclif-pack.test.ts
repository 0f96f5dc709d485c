import {execFileSync} from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {expect} from 'chai';
import {APP_BIN, APP_ROOT, createTempHome, spawnCli, type TempHome} from '@systemprompt/testing';

interface Loaded {
  a: string;
  b: string;
  data: string;
  /** `import` of the file gives the module `require` gives. */
  same: boolean;
  filename: string | null;
}

/**
 * The oclif pack (src/oclif-pack/install.ts): CommonJS files from one prebuilt file, put into Node's
 * module cache, used only while every packed file and link is as it was. Here its runtime runs over a
 * small pack made in a scratch directory (lib/a.js requires lib/b.js and lib/data.json), then the CLI
 * over the real one.
 */
describe('the oclif pack', () => {
  let scratch: string;
  const file = (path: string) => join(scratch, path);
  const stamp = (path: string) => {
    const stats = statSync(file(path));
    return `${stats.size}:${stats.mtimeMs}`;
  };
  const writePack = (links: Array<[string, string]> = []) => {
    const header = {
      base: '..',
      links,
      files: [
        ['lib/a.js', stamp('lib/a.js')],
        ['lib/b.js', stamp('lib/b.js')],
        ['lib/data.json', stamp('lib/data.json')],
      ],
    };
    const code = `//${JSON.stringify(header)}
(function () {
return [
[{"./b.js": 1, "./data.json": 2}, function (exports, require, module, __filename, __dirname) {module.exports = {from: 'pack', b: require('./b.js'), data: require('./data.json'), filename: __filename};
}],
[{}, function (exports, require, module, __filename, __dirname) {exports.from = 'pack';
}],
[{}, ${JSON.stringify('{"from": "pack"}')}]
];
})
//# pack-hash=0123456789abcdef
`;
    writeFileSync(file('oclif-pack/pack.js'), code);
  };
  /** What a fresh process gets when it installs the pack and then requires and imports lib/a.js. */
  const load = (options: {execArgv?: string[]; env?: Record<string, string>} = {}): Loaded => {
    const script = `
      const {installOclifPack} = await import(${JSON.stringify(pathToFileURL(file('oclif-pack/install.mjs')).href)});
      installOclifPack();
      const {createRequire} = await import('node:module');
      const a = createRequire(${JSON.stringify(file('lib/'))})('./a.js');
      const esm = await import(${JSON.stringify(pathToFileURL(file('lib/a.js')).href)});
      console.log(JSON.stringify({a: a.from, b: a.b.from, data: a.data.from, same: esm.default === a, filename: a.filename ?? null}));`;
    const env: NodeJS.ProcessEnv = {...process.env, ...options.env};
    delete env.NODE_OPTIONS;
    if (!options.env?.SYSTEMPROMPT_NO_OCLIF_PACK) delete env.SYSTEMPROMPT_NO_OCLIF_PACK;
    return JSON.parse(
      execFileSync(process.execPath, [...(options.execArgv ?? []), '--input-type=module', '-e', script], {
        env,
        encoding: 'utf8',
      }),
    ) as Loaded;
  };
  const fromPack: Loaded = {a: 'pack', b: 'pack', data: 'pack', same: true, filename: ''};
  const fromDisk: Loaded = {a: 'disk', b: 'disk', data: 'disk', same: true, filename: null};

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'systemprompt-oclif-pack-'));
    mkdirSync(file('lib'));
    mkdirSync(file('oclif-pack'));
    copyFileSync(join(APP_ROOT, 'dist', 'oclif-pack', 'install.js'), file('oclif-pack/install.mjs'));
    writeFileSync(
      file('lib/a.js'),
      `module.exports = {from: 'disk', b: require('./b.js'), data: require('./data.json')};\n`,
    );
    writeFileSync(file('lib/b.js'), `exports.from = 'disk';\n`);
    writeFileSync(file('lib/data.json'), '{"from": "disk"}\n');
    // The scratch directory's own package.json: CommonJS, whatever the directories above say.
    writeFileSync(file('package.json'), '{"type": "commonjs"}\n');
    fromPack.filename = file('lib/a.js');
    writePack();
  });
  afterEach(() => rmSync(scratch, {recursive: true, force: true}));

  it('runs each packed file under its own path, and `import` gets the module `require` gets', () => {
    expect(load()).to.deep.equal(fromPack);
  });

  it('makes its code cache when there is none, and keeps using the pack with it', () => {
    expect(load()).to.deep.equal(fromPack);
    expect(readFileSync(file('oclif-pack/pack.js.v8cache')).subarray(0, 40).toString('latin1')).to.match(
      /^\/\/# pack-hash=0123456789abcdef node=/,
    );
    expect(load()).to.deep.equal(fromPack);
  });

  it('is not used at all once one packed file changed (here only its time)', () => {
    const {mtime} = statSync(file('lib/b.js'));
    utimesSync(file('lib/b.js'), mtime, new Date(mtime.getTime() + 5000));
    expect(load()).to.deep.equal(fromDisk);
  });

  it('is not used once a node_modules link on the way points elsewhere', () => {
    mkdirSync(file('elsewhere'));
    symlinkSync(file('lib'), file('linked'));
    writePack([['linked', file('lib')]]);
    expect(load()).to.deep.equal(fromPack);
    rmSync(file('linked'));
    symlinkSync(file('elsewhere'), file('linked'));
    expect(load()).to.deep.equal(fromDisk);
  });

  it('is not used under --preserve-symlinks, nor with SYSTEMPROMPT_NO_OCLIF_PACK=1', () => {
    expect(load({execArgv: ['--preserve-symlinks']})).to.deep.equal(fromDisk);
    expect(load({env: {SYSTEMPROMPT_NO_OCLIF_PACK: '1'}})).to.deep.equal(fromDisk);
  });

  it('leaves a file that throws to Node, which loads it from disk the next time it is required', () => {
    writeFileSync(
      file('oclif-pack/pack.js'),
      readFileSync(file('oclif-pack/pack.js'), 'utf8').replace(
        "exports.from = 'pack';",
        "throw new Error('packed b fails');",
      ),
    );
    // a.js requires b.js, which throws: a.js fails too, and Node loads both from disk on the next require.
    const script = `
      const {installOclifPack} = await import(${JSON.stringify(pathToFileURL(file('oclif-pack/install.mjs')).href)});
      installOclifPack();
      const require = (await import('node:module')).createRequire(${JSON.stringify(file('lib/'))});
      let first;
      try { require('./a.js'); } catch (error) { first = error.message; }
      console.log(JSON.stringify({first, then: require('./a.js').from, b: require('./b.js').from}));`;
    const env: NodeJS.ProcessEnv = {...process.env};
    delete env.NODE_OPTIONS;
    delete env.SYSTEMPROMPT_NO_OCLIF_PACK;
    expect(
      JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], {env, encoding: 'utf8'})),
    ).to.deep.equal({first: 'packed b fails', then: 'disk', b: 'disk'});
  });

  describe('in the CLI', () => {
    let home: TempHome;
    before(async () => {
      home = await createTempHome();
    });
    after(() => home.remove());

    it('runs oclif from the pack, and prints what oclif loaded from its own files prints', async () => {
      expect(existsSync(join(APP_ROOT, 'dist', 'oclif-pack', 'pack.js')), 'the app is built').to.equal(true);
      const probeFile = join(home.path, 'packed-modules');
      const probe = join(home.path, 'probe.cjs');
      // At exit: how many modules in require's cache came from the pack (their prototype is not Module's).
      writeFileSync(
        probe,
        `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(probeFile)}, String(Object.values(require.cache).filter((module) => Object.getPrototypeOf(module) !== require('node:module').prototype).length)));\n`,
      );
      const args = ['cli:list', '--topic', 'users', '--json'];
      const env = {SYSTEMPROMPT_NO_COMMAND_TABLE: '1', NODE_OPTIONS: `--require ${probe}`};
      const packed = await spawnCli(APP_BIN, args, {home: home.path, env});
      expect(Number(readFileSync(probeFile, 'utf8')), 'modules from the pack').to.be.greaterThan(50);
      const fromFiles = await spawnCli(APP_BIN, args, {
        home: home.path,
        env: {...env, SYSTEMPROMPT_NO_OCLIF_PACK: '1'},
      });
      expect(Number(readFileSync(probeFile, 'utf8')), 'modules from the pack').to.equal(0);
      expect(packed.exitCode, packed.stderr).to.equal(0);
      expect({...packed}).to.deep.equal({...fromFiles});
    });
  });
});
