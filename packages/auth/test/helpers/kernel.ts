import {resolveSystemPaths} from '@systemprompt/core';
import {Kernel, discoverModules, type PluginDescriptor} from '@systemprompt/core/kernel';
import {loadCliConfig, type EngineFixture} from '@systemprompt/testing';
import type {AuthApi} from '../../src/index.js';
import {root} from './cli.js';

/** The auth module's service as the server would use it: booted in this process on the test's home and database. */
export async function withAuthService<T>(t: EngineFixture, body: (auth: AuthApi) => Promise<T>): Promise<T> {
  const config = await loadCliConfig(root);
  const paths = resolveSystemPaths(undefined, {SYSTEMPROMPT_HOME: t.home.path});
  const modules = await discoverModules(config.getPluginsList() as unknown as PluginDescriptor[], paths.cache);
  const kernel = new Kernel({
    modules,
    paths,
    configValues: (record) => (record.name === 'database' && t.database.url ? {url: t.database.url} : {}),
  });
  try {
    await kernel.boot(['auth']);
    return await body(kernel.service<AuthApi>('auth'));
  } finally {
    await kernel.stop();
  }
}
