import {readFileSync} from 'node:fs';
import {expect} from 'chai';
import repositoryConfig from '@systemprompt/eslint-config';
import {eslintConfig} from '../../src/config/eslint.js';
import {PRETTIER_OPTIONS} from '../../src/config/prettier.js';

/** What a config entry says, without the plugin and parser objects (the same imports in both). */
const shape = (entry: any) => ({
  files: entry.files,
  ignores: entry.ignores,
  rules: entry.rules,
  globals: entry.languageOptions?.globals,
  parserOptions: entry.languageOptions?.parserOptions && {
    ...entry.languageOptions.parserOptions,
    tsconfigRootDir: 'ROOT',
  },
  plugins: Object.keys(entry.plugins ?? {}),
});

describe('the configs shipped for packages without their own', () => {
  it("is the repository's eslint config (tooling/eslint-config), but for where type-aware rules find tsconfigs", () => {
    const shipped = eslintConfig('/some/package');
    expect(shipped.map(shape)).to.deep.equal((repositoryConfig as unknown[]).map(shape));
    expect(shipped.find((entry) => entry.languageOptions?.parserOptions)?.languageOptions?.parserOptions).to.include({
      tsconfigRootDir: '/some/package',
    });
  });

  it("is the repository's prettier options (.prettierrc.json)", () => {
    const repository = JSON.parse(readFileSync(new URL('../../../../.prettierrc.json', import.meta.url), 'utf8'));
    expect({...PRETTIER_OPTIONS}).to.deep.equal(repository);
  });
});
