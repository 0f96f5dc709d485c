import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

/** A fresh directory under the system temp dir; remove it with `removeTempDir`. */
export const makeTempDir = (prefix = 'sp-core-unit-'): Promise<string> => mkdtemp(join(tmpdir(), prefix));

export const removeTempDir = (directory: string | undefined): Promise<void> =>
  directory ? rm(directory, {recursive: true, force: true}) : Promise.resolve();
