import {mkdir, rename, rm, writeFile} from 'node:fs/promises';
import {dirname, join, basename} from 'node:path';

let sequence = 0;

/**
 * Writes a file so that readers see either the old or the new content, never half of it:
 * the content goes to a temporary sibling first and is renamed over the target.
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array, options: {mode?: number} = {}): Promise<void> {
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
