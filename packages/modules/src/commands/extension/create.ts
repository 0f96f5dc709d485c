import {existsSync, realpathSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {dirname, resolve} from 'node:path';
import {Args, Flags, SystemPromptCommand, conflict, invalidInput} from '@systemprompt/core';
import {renderTemplate} from '@systemprompt/module-template';

export default class ExtensionCreate extends SystemPromptCommand<typeof ExtensionCreate> {
  static override summary = 'Scaffold a new module package: manifest, module, service, command, config schema, tests and README.';
  static override description = 'Writes the module template into a new directory. The package names @systemprompt/core as a peer dependency (it runs on the host\'s copy once installed). Build it with npm run build, test it with npm test, check it with extension:validate, install it with extension:install.';
  static override examples = ['<%= config.bin %> <%= command.id %> acme-notes', '<%= config.bin %> <%= command.id %> acme-notes --package @acme/systemprompt-notes --directory ./modules/acme-notes'];
  static override args = {name: Args.string({required: true, description: 'Module name: lower-case words joined by dashes (also its command topic).'})};
  static override flags = {
    directory: Flags.string({description: 'Where to create it (default: ./NAME).'}),
    package: Flags.string({description: 'npm package name (default: systemprompt-module-NAME).'}),
    description: Flags.string({description: 'One sentence about what it does.'}),
  };

  async run(): Promise<{name: string; package: string; directory: string; files: string[]}> {
    const {name} = this.args;
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name) || name.length > 64) throw invalidInput(`"${name}" is not a module name (lower-case words joined by dashes)`, {code: 'MODULE_NAME_INVALID'});
    const packageName = this.flags.package ?? `systemprompt-module-${name}`;
    if (!/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(packageName)) throw invalidInput(`"${packageName}" is not an npm package name`, {code: 'PACKAGE_NAME_INVALID'});
    const directory = resolve(this.flags.directory ?? name);
    if (existsSync(directory)) throw conflict(`${directory} already exists`, {code: 'DIRECTORY_EXISTS'});
    const coreVersion = (JSON.parse(await readFile(createRequire(import.meta.url).resolve('@systemprompt/core/package.json'), 'utf8')) as {version: string}).version;
    // @systemprompt/* are not on the public registry: the package builds against this host's copies.
    const hostPackage = (name: string) => `file:${realpathSync(dirname(createRequire(import.meta.url).resolve(`${name}/package.json`)))}`;
    const files = await renderTemplate(directory, {
      name,
      packageName,
      description: this.flags.description ?? `The ${name} module.`,
      coreVersion: `^${coreVersion}`,
      coreDev: hostPackage('@systemprompt/core'),
      databaseDev: hostPackage('@systemprompt/database'),
    });
    this.notices.push(`Next: cd ${directory} && npm install && npm run build && ${this.config.bin} extension:validate .`);
    return {name, package: packageName, directory, files};
  }
}
