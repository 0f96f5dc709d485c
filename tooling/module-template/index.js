// Fills the module template in: every file under files/ is copied with its placeholders replaced.
//   __NAME__         module name, kebab-case (also the command topic)      e.g. acme-notes
//   __CLASS__        PascalCase of the name                                 e.g. AcmeNotes
//   __PACKAGE__      npm package name                                       e.g. @acme/systemprompt-notes
//   __DESCRIPTION__  one sentence
//   __SNAKE__        the name with underscores, for table names            e.g. acme_notes
//   __CORE_VERSION__ the @systemprompt/* version range it runs against (peer dependencies)
//   __CORE_DEV__, __DATABASE_DEV__, __OCLIF_DEV__  where its build gets @systemprompt/core, /database
//                    and @oclif/core: the host's own (file: links written by extension:create; ours are
//                    not on the public registry, and its types must be the @oclif/core that core uses)
import {mkdir, readdir, readFile, writeFile} from 'node:fs/promises';
import {dirname, join, relative} from 'node:path';
import {fileURLToPath} from 'node:url';

export const templateDirectory = fileURLToPath(new URL('files', import.meta.url));

export const pascalCase = (name) => name.replace(/(^|-)([a-z0-9])/g, (_, __, c) => c.toUpperCase());

async function* walk(directory) {
  for (const entry of await readdir(directory, {withFileTypes: true})) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

/** Writes the template into `target` (which must not exist yet) and returns the files written. */
export async function renderTemplate(target, values) {
  const replacements = {
    __NAME__: values.name,
    __SNAKE__: values.name.replace(/-/g, '_'),
    __CLASS__: pascalCase(values.name),
    __PACKAGE__: values.packageName,
    __DESCRIPTION__: values.description,
    __CORE_VERSION__: values.coreVersion,
    __CORE_DEV__: values.coreDev ?? values.coreVersion,
    __DATABASE_DEV__: values.databaseDev ?? values.coreVersion,
    __OCLIF_DEV__: values.oclifDev ?? '^4.8.0',
  };
  const fill = (text) =>
    text.replace(
      /__(NAME|SNAKE|CLASS|PACKAGE|DESCRIPTION|CORE_VERSION|CORE_DEV|DATABASE_DEV|OCLIF_DEV)__/g,
      (token) => replacements[token],
    );
  const written = [];
  for await (const source of walk(templateDirectory)) {
    const path = join(target, fill(relative(templateDirectory, source)).replace(/\.template$/, ''));
    await mkdir(dirname(path), {recursive: true});
    await writeFile(path, fill(await readFile(source, 'utf8')));
    written.push(relative(target, path));
  }
  return written.sort();
}
