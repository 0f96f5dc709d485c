import {existsSync} from 'node:fs';
import {resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import {Args, SystemPromptCommand, notFound} from '@systemprompt/core';
import {discoverModules, type PluginDescriptor} from '@systemprompt/core/kernel';
import {installModule, type InstallResult} from '../../services/install.js';

export default class ExtensionInstall extends SystemPromptCommand<typeof ExtensionInstall> {
  static override summary = 'Install a module package (npm name, file:// tarball or directory), validate it and migrate it.';
  static override description = 'Installs through the plugins system (plugins:install), with @systemprompt/* linked to this installation so the module runs on its copy of core; then validates the package and applies its migrations. If either fails, the package is removed again and nothing stays.';
  static override examples = ['<%= config.bin %> <%= command.id %> @acme/systemprompt-notes', '<%= config.bin %> <%= command.id %> ./acme-systemprompt-notes-1.0.0.tgz', '<%= config.bin %> <%= command.id %> file:///tmp/acme-systemprompt-notes-1.0.0.tgz'];
  static override args = {source: Args.string({required: true, description: 'npm package name, file:///path/to.tgz, or a directory.'})};

  async run(): Promise<InstallResult> {
    await this.authorize('modules:write', 'modules.install', this.args.source);
    // A path (a directory or a tarball) becomes a file:// URL: plugins:install takes a bare path for a
    // GitHub shorthand.
    const looksLikePath = /^(\.{1,2}\/|\/)/.test(this.args.source) || this.args.source.endsWith('.tgz');
    const source = existsSync(this.args.source) ? pathToFileURL(resolve(this.args.source)).href : this.args.source;
    if ((looksLikePath && !source.startsWith('file://')) || (source.startsWith('file://') && !existsSync(new URL(source)))) {
      throw notFound(`${this.args.source} does not exist`, {code: 'SOURCE_NOT_FOUND', hint: 'Give an npm package name, a tarball or a directory.'});
    }
    return installModule({
      source,
      config: this.config,
      paths: this.paths,
      newKernel: (modules) => this.newKernel(modules),
      discover: (extra) => discoverModules([...(this.config.getPluginsList() as unknown as PluginDescriptor[]), ...extra], this.paths.cache),
    });
  }
}
