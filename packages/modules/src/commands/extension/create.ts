import {existsSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {dirname, join, relative, resolve, sep} from 'node:path';
import {fileURLToPath} from 'node:url';
import {Args, Flags, SystemPromptCommand, conflict, invalidInput} from '@systemprompt/core';
import {renderTemplate} from '@systemprompt/module-template';
import {linkableDirectory, packageDirectory} from '../../services/host-packages.js';

export default class ExtensionCreate extends SystemPromptCommand<typeof ExtensionCreate> {
  static override summary =
    'Scaffold a new module package: manifest, module, service, command, config schema, tests and README.';
  static override description =
    "Writes the module template into a new directory. The package names @systemprompt/core, @systemprompt/database and @oclif/core as peer dependencies (installed, it runs on the host's copies) and builds against this host's copies (devDependencies linked with file:; .host-packages/ holds a stand-in for @oclif/core). Build it with npm run build, test it with npm test, check it with extension:validate, install it with extension:install.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> acme-notes',
    '<%= config.bin %> <%= command.id %> acme-notes --package @acme/systemprompt-notes --directory ./modules/acme-notes',
  ];
  static override args = {
    name: Args.string({
      required: true,
      description: 'Module name: lower-case words joined by dashes (also its command topic).',
    }),
  };
  static override flags = {
    directory: Flags.string({description: 'Where to create it (default: ./NAME).'}),
    package: Flags.string({description: 'npm package name (default: systemprompt-module-NAME).'}),
    description: Flags.string({description: 'One sentence about what it does.'}),
  };

  async run(): Promise<{name: string; package: string; directory: string; files: string[]}> {
    const {name} = this.args;
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name) || name.length > 64)
      throw invalidInput(`"${name}" is not a module name (lower-case words joined by dashes)`, {
        code: 'MODULE_NAME_INVALID',
      });
    const packageName = this.flags.package ?? `systemprompt-module-${name}`;
    if (!/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(packageName))
      throw invalidInput(`"${packageName}" is not an npm package name`, {code: 'PACKAGE_NAME_INVALID'});
    const directory = resolve(this.flags.directory ?? name);
    if (existsSync(directory)) throw conflict(`${directory} already exists`, {code: 'DIRECTORY_EXISTS'});
    const here = dirname(fileURLToPath(import.meta.url));
    const core = packageDirectory('@systemprompt/core', here);
    const coreVersion = (JSON.parse(await readFile(join(core, 'package.json'), 'utf8')) as {version: string}).version;
    // @systemprompt/* are not on the public registry, and the module's declarations name @oclif/core's
    // types as core sees them (one copy, else TS2883): the package builds against this host's copies.
    const hostPackage = async (packageRoot: string) => {
      const linked = await linkableDirectory(packageRoot, join(directory, '.host-packages'));
      return `file:${linked.startsWith(directory + sep) ? relative(directory, linked) : linked}`;
    };
    const coreDev = await hostPackage(core);
    const databaseDev = await hostPackage(packageDirectory('@systemprompt/database', here));
    const oclifDev = await hostPackage(packageDirectory('@oclif/core', core));
    const files = await renderTemplate(directory, {
      name,
      packageName,
      description: this.flags.description ?? `The ${name} module.`,
      coreVersion: `^${coreVersion}`,
      coreDev,
      databaseDev,
      oclifDev,
    });
    this.notices.push(
      `Next: cd ${directory} && npm install && npm run build && ${this.config.bin} extension:validate .`,
    );
    return {name, package: packageName, directory, files};
  }
}
