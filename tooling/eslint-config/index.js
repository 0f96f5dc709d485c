// The one eslint flat config of the repository; every package's `lint` script uses it, and dev:lint
// gives it to a module package that has no config of its own.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The config; type-aware rules read each file through the tsconfig nearest to it under `root`. */
export function eslintConfig(root = process.cwd()) {
  return tseslint.config(
    {ignores: ['**/dist/**', '**/node_modules/**', '**/src/generated/**', '**/*.d.ts', '**/oclif.manifest.json']},
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
      languageOptions: {
        ecmaVersion: 2023,
        sourceType: 'module',
        globals: {
          process: 'readonly',
          console: 'readonly',
          Buffer: 'readonly',
          URL: 'readonly',
          performance: 'readonly',
          globalThis: 'readonly',
          setTimeout: 'readonly',
          clearTimeout: 'readonly',
          structuredClone: 'readonly',
        },
      },
      rules: {
        // Commands render through the base command; stray console output would break JSON mode.
        'no-console': 'error',
        '@typescript-eslint/consistent-type-imports': ['error', {fixStyle: 'inline-type-imports'}],
        '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                group: ['@systemprompt/*/src/*', '@systemprompt/*/dist/*'],
                message: 'Import another package only through its public exports.',
              },
            ],
          },
        ],
        eqeqeq: ['error', 'always'],
      },
    },
    {
      // Rules that need the type checker: on the packages' sources, each read through its own tsconfig.
      files: ['**/src/**/*.ts'],
      languageOptions: {parserOptions: {projectService: true, tsconfigRootDir: root}},
      rules: {
        // A promise nobody awaits loses its rejection (an async setInterval callback, a fire-and-forget call).
        '@typescript-eslint/no-floating-promises': 'error',
        '@typescript-eslint/no-misused-promises': 'error',
        '@typescript-eslint/no-unnecessary-type-assertion': 'error',
        '@typescript-eslint/switch-exhaustiveness-check': ['error', {considerDefaultExhaustiveForUnions: true}],
      },
    },
    {
      files: ['**/test/**/*.ts'],
      rules: {
        // Tests read JSON output whose shape they assert on.
        '@typescript-eslint/no-explicit-any': 'off',
        '@typescript-eslint/no-unused-expressions': 'off',
      },
    },
  );
}

export default eslintConfig();
