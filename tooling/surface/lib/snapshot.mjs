// The command snapshot and the Markdown reference, from the built CLI itself (cli:docs).
import {execFile} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

/** The app's entry point, relative to the repository root. */
export const CLI = join('apps', 'systemprompt', 'bin', 'run.js');

/**
 * Runs the built CLI with a scratch SYSTEMPROMPT_HOME (no user-installed plugins, no configuration of
 * this machine): `args(home)` gives its arguments, `read(stdout, home)` what to keep before the scratch
 * home is removed.
 */
export async function runCli(root, args, read = (stdout) => stdout) {
  const bin = join(root, CLI);
  if (!existsSync(bin) || !existsSync(join(root, 'apps', 'systemprompt', 'dist'))) {
    throw new Error(`${CLI} is not built: run pnpm run build first.`);
  }
  const home = mkdtempSync(join(tmpdir(), 'surface-home-'));
  // Nothing of this machine's SystemPrompt settings may reach the snapshot.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SYSTEMPROMPT_')));
  env.SYSTEMPROMPT_HOME = home;
  const argv = args(home);
  try {
    const stdout = await new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [bin, ...argv],
        {cwd: root, env, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8'},
        (error, out, stderr) =>
          error
            ? reject(new Error(`systemprompt ${argv.join(' ')} failed: ${stderr.trim() || error.message}`))
            : resolve(out),
      );
    });
    return read(stdout, home);
  } finally {
    rmSync(home, {recursive: true, force: true});
  }
}

/** `cli:docs --json`'s data: `{bin, version, commands, errorCodes}`. */
export async function readCatalogue(root) {
  const stdout = await runCli(root, () => ['cli:docs', '--json']);
  const envelope = JSON.parse(stdout);
  if (!envelope.ok) throw new Error(`cli:docs --json failed: ${envelope.error?.message ?? stdout}`);
  return envelope.data;
}

/** docs/commands.md as `cli:docs --output docs/commands.md` writes it. */
export function renderDocs(root) {
  return runCli(
    root,
    (home) => ['cli:docs', '--output', join(home, 'commands.md')],
    (_, home) => readFileSync(join(home, 'commands.md'), 'utf8'),
  );
}

const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const sorted = (values) => [...values].sort();

/**
 * The snapshot of cli:docs's catalogue: what a script may rely on (ids, aliases, flags, arguments),
 * none of the texts. Flags are sorted by name; arguments keep their order, which is their position.
 */
export function snapshotOf(catalogue) {
  const commands = catalogue.commands
    .map((command) => ({
      id: command.id,
      aliases: sorted(command.aliases ?? []),
      package: command.plugin,
      deprecated: Boolean(command.deprecated),
      flags: (command.flags ?? [])
        .map((flag) => {
          const entry = {name: flag.name};
          if (flag.char) entry.char = flag.char;
          entry.type = flag.type;
          entry.required = Boolean(flag.required);
          entry.multiple = Boolean(flag.multiple);
          if (flag.options) entry.options = sorted(flag.options);
          if (flag.default !== undefined) entry.default = flag.default;
          return entry;
        })
        .sort(byName),
      args: (command.args ?? []).map((arg) => {
        const entry = {name: arg.name, required: Boolean(arg.required)};
        if (arg.options) entry.options = sorted(arg.options);
        return entry;
      }),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {bin: catalogue.bin, commands};
}

/**
 * Command sources edited after their package's oclif manifest was built: the snapshot (from the
 * build) and the schemas (from the sources) would then describe different code.
 */
export function staleBuilds(root, sources) {
  const stale = new Set();
  const manifests = new Map();
  for (const {file, dir} of sources) {
    if (!manifests.has(dir)) {
      const manifest = join(dir, 'oclif.manifest.json');
      manifests.set(dir, existsSync(manifest) ? statSync(manifest).mtimeMs : 0);
    }
    if (statSync(file).mtimeMs > manifests.get(dir)) stale.add(dir);
  }
  return [...stale].sort();
}
