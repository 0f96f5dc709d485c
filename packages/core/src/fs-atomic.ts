import {mkdir, rename, rm, writeFile} from 'node:fs/promises';
import {dirname, join, basename} from 'node:path';
import {randomBytes} from 'node:crypto';

/**
 * Writes a file so that readers see either the old or the new content, never half of it:
 * the content goes to a temporary sibling first and is renamed over the target.
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array, options: {mode?: number} = {}): Promise<void> {
  await mkdir(dirname(file), {recursive: true});
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, content, {mode: options.mode ?? 0o644});
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, {force: true});
    throw error;
  }
}
