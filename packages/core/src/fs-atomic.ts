import {chmod, mkdir, rename, rm, stat, writeFile} from 'node:fs/promises';
import {dirname, join, basename} from 'node:path';

let sequence = 0;

/**
 * Writes a file so that readers see either the old or the new content, never half of it:
 * the content goes to a temporary sibling first and is renamed over the target.
 */
export async function writeFileAtomic(
  file: string,
  content: string | Uint8Array,
  options: {mode?: number} = {},
): Promise<void> {
  await mkdir(dirname(file), {recursive: true});
  // Unique per process and call; no crypto import, which would cost every command start-up time.
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.${sequence++}.tmp`);
  try {
    await writeFile(temporary, content, {mode: options.mode ?? 0o644});
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, {force: true});
    throw error;
  }
}

/**
 * Creates a directory only its owner can enter (0700, whatever the umask) and narrows an existing one:
 * the installation's config, data and cache hold password hashes, secrets and logs.
 */
export async function ensurePrivateDirectory(directory: string): Promise<void> {
  await mkdir(directory, {recursive: true, mode: 0o700});
  const mode = (await stat(directory)).mode & 0o777;
  if (mode !== 0o700) await chmod(directory, 0o700);
}
