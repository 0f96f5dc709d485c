import {readFile, rm} from 'node:fs/promises';
import {permissionDenied, writeFileAtomic} from '@systemprompt/core';

/** What `<config>/session.json` holds: the session token of the signed-in user (mode 600). */
export interface SessionFileContent {
  token: string;
  email: string;
}

export const SESSION_FILE = 'session.json';

/** The session file, or undefined when nobody is signed in. */
export async function readSessionFile(file: string): Promise<SessionFileContent | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const content = JSON.parse(text) as Partial<SessionFileContent>;
    if (typeof content.token === 'string' && content.token && typeof content.email === 'string')
      return {token: content.token, email: content.email};
  } catch {
    // Reported below.
  }
  throw permissionDenied(`${file} is not a session file`, {
    code: 'SESSION_FILE_INVALID',
    hint: 'Sign in again with auth:login, or remove the file with auth:logout.',
  });
}

/** Written atomically with mode 600: whoever can read it is signed in. */
export async function writeSessionFile(file: string, content: SessionFileContent): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify({token: content.token, email: content.email}, null, 2)}\n`, {
    mode: 0o600,
  });
}

export async function removeSessionFile(file: string): Promise<void> {
  await rm(file, {force: true});
}
