import {readFileSync} from 'node:fs';
import {expect} from 'chai';
import {eslintConfig} from '@systemprompt/eslint-config';
import {PRETTIER_OPTIONS} from '../../src/config/prettier.js';

describe('the configs shipped for packages without their own', () => {
  it("is the repository's eslint config, with the type-aware rules reading tsconfigs under the package's root", () => {
    const shipped = eslintConfig('/some/package');
    expect(shipped.find((entry) => entry.languageOptions?.parserOptions)?.languageOptions?.parserOptions).to.include({
      tsconfigRootDir: '/some/package',
    });
  });

  it("is the repository's prettier options (.prettierrc.json)", () => {
    const repository = JSON.parse(readFileSync(new URL('../../../../.prettierrc.json', import.meta.url), 'utf8'));
    expect({...PRETTIER_OPTIONS}).to.deep.equal(repository);
  });
});
