// Every error code the sources throw is declared in a catalogue (the package's src/error-codes.ts, a
// dependency's, or core's) with the exit code it leaves with, and every declared code is used.
// It lives in the app's suite because the app depends on every package: turbo reruns it whenever
// any package's sources change.
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {ExitCode} from '@systemprompt/core';
import {checkErrorCodes, type PackageCodes} from './error-codes/check.js';
import {FACTORY_EXITS, scanRepository} from './error-codes/repository.js';
import {scanSource, type CodeUse} from './error-codes/scan.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const CORE = '@systemprompt/core';

const scan = (text: string) => scanSource('fixture.ts', text, FACTORY_EXITS, ExitCode);
const uses = (text: string) =>
  scan(text).uses.map(({code, line, exitCode, via}: CodeUse) => ({code, line, exitCode, via}));

function fixturePackage(
  name: string,
  options: Partial<PackageCodes> & {codes?: Record<string, number>} = {},
): PackageCodes {
  const dir = `packages/${name}`;
  const {codes, ...rest} = options;
  return {
    name: `@x/${name}`,
    dir,
    dependencies: [],
    uses: [],
    literals: new Set(),
    ...(codes
      ? {
          catalogue: {
            file: `${dir}/src/error-codes.ts`,
            codes: new Map(Object.entries(codes).map(([code, exitCode], index) => [code, {exitCode, line: index + 5}])),
          },
          pointer: name === 'core' ? './dist/bundle/error-codes.js' : './dist/error-codes.js',
        }
      : {}),
    ...rest,
  };
}
const use = (file: string, line: number, code: string, exitCode?: number, via = 'notFound') => ({
  file,
  line,
  code,
  via,
  ...(exitCode === undefined ? {} : {exitCode}),
});
const core = (codes: Record<string, number> = {NOT_FOUND: 3}, literals = Object.keys(codes)) => ({
  ...fixturePackage('core', {codes, literals: new Set(literals)}),
  name: CORE,
});

describe('error codes', () => {
  describe('scanSource', () => {
    it('reads the code of an error factory call and the exit code of that factory, on one line or several', () => {
      expect(
        uses(
          `throw notFound('No user', {code: 'USER_NOT_FOUND', hint: 'See users:list.'});\nthrow conflict(\n  'Taken',\n  {\n    code: 'USER_EXISTS',\n  },\n);`,
        ),
      ).to.deep.equal([
        {code: 'USER_NOT_FOUND', line: 1, exitCode: 3, via: 'notFound'},
        {code: 'USER_EXISTS', line: 5, exitCode: 5, via: 'conflict'},
      ]);
    });

    it('counts every literal branch of a conditional code', () => {
      expect(
        uses(`throw conflict('x', {code: revoked ? 'KEY_REVOKED' : 'KEY_EXPIRED'});`).map((found) => found.code),
      ).to.deep.equal(['KEY_REVOKED', 'KEY_EXPIRED']);
    });

    it('reads a code held in a constant of the file, at the line of the call', () => {
      expect(uses(`const code = gone ? 'NOTE_GONE' : 'NOTE_NOT_FOUND';\nthrow notFound('x', {code});`)).to.deep.equal([
        {code: 'NOTE_GONE', line: 2, exitCode: 3, via: 'notFound'},
        {code: 'NOTE_NOT_FOUND', line: 2, exitCode: 3, via: 'notFound'},
      ]);
    });

    it('takes the exit code of new SystemPromptError from its ExitCode, or from the fallback after ??', () => {
      expect(
        uses(
          `new SystemPromptError('m', {code: 'LOCKED', exitCode: ExitCode.Conflict});\nnew SystemPromptError('m', {code: inner?.code ?? 'PHASE_FAILED', exitCode: inner?.exitCode ?? ExitCode.Unavailable});`,
        ),
      ).to.deep.equal([
        {code: 'LOCKED', line: 1, exitCode: 5, via: 'new SystemPromptError'},
        {code: 'PHASE_FAILED', line: 2, exitCode: 6, via: 'new SystemPromptError'},
      ]);
    });

    it("follows a helper of the same file that passes its code parameter to a factory, with that factory's exit code", () => {
      const text = `const bad = (message: string, code: string) => unavailable(message, {code});\nthrow bad('no answer', 'PROVIDER_TIMEOUT');\nclass A { private refuse(message: string, code: string) { throw permissionDenied(message, {code: code}); }\n  run() { this.refuse('no', 'LOGIN_FAILED'); } }`;
      expect(uses(text)).to.deep.equal([
        {code: 'PROVIDER_TIMEOUT', line: 2, exitCode: 6, via: 'bad()'},
        {code: 'LOGIN_FAILED', line: 4, exitCode: 4, via: 'refuse()'},
      ]);
    });

    it('reads any other code property without an exit code, and codes used through an imported catalogue', () => {
      const found = scan(
        `import codes from '../error-codes.js';\ncheckText(raw, {max: 100, code: 'NAME_INVALID'});\nthrow codes.USER_NOT_FOUND.error('No user');\nconst env = process.env.SYSTEMPROMPT_HOME;`,
      );
      expect(found.uses).to.deep.equal([
        {code: 'NAME_INVALID', line: 2, via: 'code property'},
        {code: 'USER_NOT_FOUND', line: 3, via: 'catalogue'},
      ]);
      expect([...found.literals]).to.deep.equal(['NAME_INVALID']);
    });
  });

  describe('checkErrorCodes', () => {
    it('names an undeclared code with its file and line and the catalogue to add it to', () => {
      const users = fixturePackage('users', {
        codes: {USER_NOT_FOUND: 3},
        uses: [
          use('packages/users/src/a.ts', 7, 'USER_NOT_FOUND', 3),
          use('packages/users/src/b.ts', 12, 'USER_GONE', 3),
        ],
        literals: new Set(['USER_NOT_FOUND']),
      });
      expect(checkErrorCodes([core(), users], CORE)).to.deep.equal([
        'packages/users/src/b.ts:12: USER_GONE (notFound, exit 3) is not declared: add it to packages/users/src/error-codes.ts, or to packages/core/src/error-codes.ts if other packages use it too',
      ]);
    });

    it('tells a package without a catalogue to create one and point its package.json at it', () => {
      const notes = fixturePackage('notes', {uses: [use('packages/notes/src/a.ts', 3, 'NOTE_NOT_FOUND', 3)]});
      const [problem] = checkErrorCodes([core(), notes], CORE);
      expect(problem).to.match(
        /^packages\/notes\/src\/a\.ts:3: NOTE_NOT_FOUND \(notFound, exit 3\) is not declared: create packages\/notes\/src\/error-codes\.ts .* set "systemprompt": \{"errorCodes": "\.\/dist\/error-codes\.js"\} in packages\/notes\/package\.json/,
      );
    });

    it('names a use whose exit code differs from the declared one', () => {
      const auth = fixturePackage('auth', {
        codes: {MFA_CODE_INVALID: 4},
        uses: [use('packages/auth/src/mfa.ts', 9, 'MFA_CODE_INVALID', 2, 'invalidInput')],
        literals: new Set(['MFA_CODE_INVALID']),
      });
      expect(checkErrorCodes([core(), auth], CORE)).to.deep.equal([
        'packages/auth/src/mfa.ts:9: MFA_CODE_INVALID leaves with exit 2 (invalidInput) but packages/auth/src/error-codes.ts:5 declares exit 4: use the factory of exit 4, or another code',
      ]);
    });

    it('accepts a code of core or of a package it depends on, not one of a package it does not depend on, and its own declaration first', () => {
      const users = fixturePackage('users', {
        codes: {ROLE_NOT_FOUND: 3, KEY_NOT_FOUND: 3},
        literals: new Set(['ROLE_NOT_FOUND', 'KEY_NOT_FOUND']),
      });
      const api = fixturePackage('api', {
        codes: {KEY_NOT_FOUND: 5},
        dependencies: ['@x/users'],
        literals: new Set(['KEY_NOT_FOUND']),
        uses: [
          use('packages/api/src/a.ts', 1, 'ROLE_NOT_FOUND', 3),
          use('packages/api/src/a.ts', 2, 'NOT_FOUND', 3),
          use('packages/api/src/a.ts', 3, 'KEY_NOT_FOUND', 5, 'conflict'),
        ],
      });
      const config = fixturePackage('config', {
        codes: {},
        uses: [use('packages/config/src/a.ts', 4, 'ROLE_NOT_FOUND', 3)],
      });
      expect(checkErrorCodes([core(), users, api, config], CORE)).to.deep.equal([
        'packages/config/src/a.ts:4: ROLE_NOT_FOUND (notFound, exit 3) is not declared: add it to packages/config/src/error-codes.ts, or to packages/core/src/error-codes.ts if other packages use it too',
      ]);
    });

    it('names a declared code that no source of the package or of its dependents uses, and a code that is not SCREAMING_SNAKE_CASE', () => {
      const users = fixturePackage('users', {
        codes: {USER_NOT_FOUND: 3, USER_GONE: 3},
        literals: new Set(['USER_NOT_FOUND']),
        uses: [use('packages/users/src/a.ts', 2, 'userMissing', 3)],
      });
      expect(checkErrorCodes([core({NOT_FOUND: 3, CONFLICT: 5}, ['NOT_FOUND']), users], CORE)).to.deep.equal([
        'packages/users/src/a.ts:2: "userMissing" is not an error code: codes are SCREAMING_SNAKE_CASE, e.g. USER_NOT_FOUND',
        'packages/core/src/error-codes.ts:6: CONFLICT is declared but no source of any package uses it: remove it',
        'packages/users/src/error-codes.ts:6: USER_GONE is declared but no source of @x/users or of a package depending on it uses it: remove it',
      ]);
    });

    it("names a catalogue that package.json's systemprompt.errorCodes does not point at", () => {
      const {pointer: _pointer, ...users} = fixturePackage('users', {
        codes: {USER_NOT_FOUND: 3},
        literals: new Set(['USER_NOT_FOUND']),
      });
      expect(checkErrorCodes([core(), users], CORE)).to.deep.equal([
        'packages/users/package.json: set "systemprompt": {"errorCodes": "./dist/error-codes.js"}, so cli:docs finds packages/users/src/error-codes.ts',
      ]);
    });

    it('leaves alone the codes of SQLite and MySQL that a source fakes', () => {
      const database = fixturePackage('database', {
        codes: {},
        uses: [
          use('packages/database/src/q.ts', 3, 'SQLITE_READONLY', undefined, 'code property'),
          use('packages/database/src/q.ts', 4, 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION', undefined, 'code property'),
        ],
      });
      expect(checkErrorCodes([core(), database], CORE)).to.deep.equal([]);
    });
  });

  describe('the repository', () => {
    it('declares every code its sources use, with the exit code they leave with, and nothing they do not use', async function () {
      this.timeout(120_000);
      const packages = await scanRepository(root);
      // A scan that found nothing would pass: check it sees what is there.
      const thrown = packages.flatMap((pkg) => pkg.uses.filter((found) => found.exitCode !== undefined));
      expect(thrown.length, 'error-code uses found in the sources').to.be.greaterThan(200);
      expect(packages.find((pkg) => pkg.name === CORE)?.catalogue?.codes.size ?? 0).to.be.greaterThan(20);
      const problems = checkErrorCodes(packages, CORE);
      if (problems.length > 0)
        expect.fail(
          `${problems.length} error-code problem${problems.length === 1 ? '' : 's'}:\n${problems.join('\n')}`,
        );
    });
  });
});
