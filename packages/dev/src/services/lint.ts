import {existsSync} from 'node:fs';
import {dirname, join, relative} from 'node:path';

export interface LintProblem {
  file: string;
  line: number;
  column: number;
  severity: 'error' | 'warning';
  rule: string;
  message: string;
}

export interface LintReport {
  root: string;
  /** `own` when the package (or a directory above it) has an eslint.config.*, else `shipped`. */
  config: 'own' | 'shipped';
  files: number;
  errors: number;
  warnings: number;
  /** Files --fix rewrote. */
  fixed: string[];
  problems: LintProblem[];
}

const CONFIG_FILES = [
  'eslint.config.js',
  'eslint.config.mjs',
  'eslint.config.cjs',
  'eslint.config.ts',
  'eslint.config.mts',
  'eslint.config.cts',
];
/** What a package's `lint` script lints: its code, never what it builds or installs. */
const TARGETS = ['src', 'test'];

function ownConfig(root: string): string | undefined {
  for (let directory = root; ; directory = dirname(directory)) {
    const found = CONFIG_FILES.map((name) => join(directory, name)).find((path) => existsSync(path));
    if (found) return found;
    if (dirname(directory) === directory) return undefined;
  }
}

/**
 * Lints the package's src/ and test/ with the eslint Node API: with its own flat config when it has
 * one, else with the project's config (shipped in this module). `fix` writes eslint's fixes first.
 */
export async function lintPackage(root: string, options: {fix?: boolean} = {}): Promise<LintReport> {
  // Imported here: eslint and typescript-eslint (with TypeScript) are heavy, and the module is booted
  // with every other one (the server, dev:repl) where nobody lints.
  const [{ESLint}, {eslintConfig}] = await Promise.all([import('eslint'), import('@systemprompt/eslint-config')]);
  const own = ownConfig(root);
  const eslint = new ESLint({
    cwd: root,
    fix: Boolean(options.fix),
    errorOnUnmatchedPattern: false,
    ...(own ? {} : {overrideConfigFile: true, overrideConfig: eslintConfig(root)}),
  });
  const targets = TARGETS.filter((target) => existsSync(join(root, target)));
  const results = targets.length > 0 ? await eslint.lintFiles(targets) : [];
  if (options.fix) await ESLint.outputFixes(results);
  const problems: LintProblem[] = results.flatMap((result) =>
    result.messages.map((message) => ({
      file: relative(root, result.filePath),
      line: message.line,
      column: message.column,
      severity: message.severity === 2 ? ('error' as const) : ('warning' as const),
      rule: message.ruleId ?? '',
      message: message.message,
    })),
  );
  return {
    root,
    config: own ? 'own' : 'shipped',
    files: results.length,
    errors: problems.filter((problem) => problem.severity === 'error').length,
    warnings: problems.filter((problem) => problem.severity === 'warning').length,
    fixed: results.filter((result) => result.output !== undefined).map((result) => relative(root, result.filePath)),
    problems,
  };
}
