import type {Linter} from 'eslint';

/** The project's flat config; type-aware rules read each file through the tsconfig nearest to it under `root` (default: the working directory). */
export function eslintConfig(root?: string): Linter.Config[];

declare const config: Linter.Config[];
export default config;
