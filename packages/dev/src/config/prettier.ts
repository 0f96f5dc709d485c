// A copy of the repository's prettier options (.prettierrc.json at its root), shipped so that
// dev:format formats a third-party module package alike with no config of its own.
// test/unit/config-copies.test.ts fails when they drift.
export const PRETTIER_OPTIONS = Object.freeze({
  printWidth: 120,
  singleQuote: true,
  bracketSpacing: false,
  trailingComma: 'all',
  arrowParens: 'always',
} as const);

/** What the repository's .prettierignore leaves to prettier: the code (prose, data and JSON stay as they are). */
export const FORMATTED_EXTENSIONS = Object.freeze(['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx']);
