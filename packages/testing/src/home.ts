import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

export interface TempHome {
  /** Use as SYSTEMPROMPT_HOME. */
  path: string;
  remove(): Promise<void>;
}

/** A fresh, empty SYSTEMPROMPT_HOME; remove it in `after`/`afterEach`. */
export async function createTempHome(prefix = 'systemprompt-test-'): Promise<TempHome> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return {path, remove: () => rm(path, {recursive: true, force: true})};
}
