import {resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {generate} from '../lib/surface.mjs';

/** The repository this package is in. */
export const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

let pending: Promise<any> | undefined;

/** The surface generated from the built app and the sources, once for every test file (~5-10 s). */
export const generated = (): Promise<any> => (pending ??= generate(root));
