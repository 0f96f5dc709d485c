import {existsSync} from 'node:fs';
import {readFile, readdir, rename, writeFile} from 'node:fs/promises';
import {extname, join, relative} from 'node:path';
import {FORMATTED_EXTENSIONS, PRETTIER_OPTIONS} from '../config/prettier.js';

export interface FormatReport {
  root: string;
  /** `own` when prettier finds a config for the package's files, else `shipped`. */
  config: 'own' | 'shipped';
  files: number;
  /** Files that were not formatted: rewritten, or only listed with --check. */
  changed: string[];
  check: boolean;
}

/** Directories never formatted: installed, built or generated code, and hidden directories (.git, .host-packages). */
const SKIPPED = new Set(['node_modules', 'dist', 'generated', 'coverage']);

async function* codeFiles(directory: string): AsyncGenerator<string> {
  for (const entry of await readdir(directory, {withFileTypes: true})) {
    if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) yield* codeFiles(path);
    else if (entry.isFile() && FORMATTED_EXTENSIONS.includes(extname(entry.name)) && !entry.name.endsWith('.d.ts'))
      yield path;
  }
}

/**
 * Formats the package's code (TypeScript and JavaScript, as the repository's .prettierignore says)
 * with the prettier API: with the package's own prettier config and .prettierignore when it has them,
 * else the project's options (shipped in this module). `check` only lists what is not formatted.
 */
export async function formatPackage(root: string, options: {check?: boolean} = {}): Promise<FormatReport> {
  const prettier = await import('prettier');
  const ignorePath = join(root, '.prettierignore');
  const changed: string[] = [];
  let files = 0;
  let own = false;
  for await (const file of codeFiles(root)) {
    if (existsSync(ignorePath) && (await prettier.getFileInfo(file, {ignorePath})).ignored) continue;
    files += 1;
    const found = await prettier.resolveConfig(file, {editorconfig: false});
    if (found) own = true;
    const text = await readFile(file, 'utf8');
    const formatted = await prettier.format(text, {...(found ?? PRETTIER_OPTIONS), filepath: file});
    if (formatted === text) continue;
    changed.push(relative(root, file));
    if (!options.check) {
      // Renamed into place: an editor or watcher never reads a half-written file.
      const staged = `${file}.${process.pid}.prettier-tmp`;
      await writeFile(staged, formatted);
      await rename(staged, file);
    }
  }
  return {root, config: own ? 'own' : 'shipped', files, changed, check: Boolean(options.check)};
}
