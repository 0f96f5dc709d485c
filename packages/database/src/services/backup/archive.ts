import {randomBytes} from 'node:crypto';
import {createWriteStream} from 'node:fs';
import {cp, open, readdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises';
import {basename, dirname, join, relative, sep} from 'node:path';
import type {Readable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {invalidInput, toSystemPromptError} from '@systemprompt/core';
import {encryptStream, openArchive} from './crypto.js';
import {
  checkManifest,
  CONFIG_PREFIX,
  HOST_ONLY_CONFIG,
  MANIFEST_MEMBER,
  sha256File,
  type BackupManifest,
} from './format.js';

/** Every regular file under `directory`, as archive paths (forward slashes), sorted. */
async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, {recursive: true, withFileTypes: true});
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/**
 * Copies the configuration directory into `staging/config/`: its files as they are (stored secrets
 * stay encrypted), without this host's sign-in session and temporary files.
 */
export async function stageConfig(configDirectory: string, staging: string): Promise<void> {
  if (!(await stat(configDirectory).catch(() => undefined))?.isDirectory()) return;
  await cp(configDirectory, join(staging, CONFIG_PREFIX), {
    recursive: true,
    filter: (source) => {
      const name = basename(source);
      if (source === configDirectory) return true;
      return !(dirname(source) === configDirectory && HOST_ONLY_CONFIG.has(name)) && !/\.tmp$/.test(name);
    },
  });
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes the staged files as one tar.gz with manifest.json (the SHA-256 of every member), encrypted
 * when a passphrase is given, atomically: a private temporary file beside `output`, synced, renamed.
 */
export async function writeArchive(
  staging: string,
  manifest: Omit<BackupManifest, 'members'>,
  output: string,
  passphrase: string | undefined,
): Promise<BackupManifest> {
  const members: BackupManifest['members'] = [];
  for (const path of await filesUnder(staging)) {
    const file = join(staging, path);
    members.push({path, bytes: (await stat(file)).size, sha256: await sha256File(file)});
  }
  const complete: BackupManifest = {...manifest, members};
  await writeFile(join(staging, MANIFEST_MEMBER), JSON.stringify(complete, null, 2), {mode: 0o600});
  const {create} = await import('tar');
  const temporary = join(dirname(output), `.${basename(output)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const archive = create({gzip: true, cwd: staging, portable: true}, [
      MANIFEST_MEMBER,
      ...members.map((member) => member.path),
    ]) as unknown as Readable;
    const target = createWriteStream(temporary, {mode: 0o600, flags: 'wx'});
    if (passphrase) await encryptStream(archive, target, passphrase);
    else await pipeline(archive, target);
    await fsyncPath(temporary);
    await rename(temporary, output);
    await fsyncPath(dirname(output)).catch(() => undefined);
  } catch (error) {
    await rm(temporary, {force: true});
    throw error;
  }
  return complete;
}

const damaged = (what: string, cause?: unknown) =>
  invalidInput(`The backup archive is damaged: ${what}; nothing was changed`, {
    code: 'BACKUP_CORRUPT',
    hint: 'Use another copy of the backup.',
    ...(cause ? {cause} : {}),
  });

/**
 * Unpacks the archive into the (empty, private) `staging` directory and checks all of it before
 * anything uses it: the manifest's shape, and that the members are exactly those listed, each of
 * its size and SHA-256. A wrong passphrase, a flipped byte or a cut-off file is refused here.
 */
export async function readArchive(
  file: string,
  passphrase: string | undefined,
  staging: string,
): Promise<BackupManifest> {
  const {stream, encrypted} = await openArchive(file, passphrase);
  const {extract} = await import('tar');
  try {
    await pipeline(
      stream,
      extract({
        cwd: staging,
        strict: true,
        preservePaths: false,
        filter: (_path, entry) => {
          const type = (entry as {type?: string}).type;
          return type === 'File' || type === 'Directory' || type === 'OldFile';
        },
      }) as unknown as NodeJS.WritableStream,
    );
  } catch (error) {
    const reason = toSystemPromptError(error).message.split('\n')[0];
    throw damaged(
      encrypted && /authenticate/i.test(reason ?? '')
        ? 'it was changed after it was encrypted'
        : `it cannot be unpacked (${reason})`,
      error,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(staging, MANIFEST_MEMBER), 'utf8'));
  } catch (error) {
    throw damaged('it has no readable manifest.json', error);
  }
  const manifest = checkManifest(parsed);
  const listed = new Map(manifest.members.map((member) => [member.path, member]));
  const present = (await filesUnder(staging)).filter((path) => path !== MANIFEST_MEMBER);
  for (const path of present) if (!listed.has(path)) throw damaged(`${path} is not in its manifest`);
  for (const member of manifest.members) {
    const path = join(staging, member.path);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw damaged(`${member.path} is missing`);
    if (info.size !== member.bytes || (await sha256File(path)) !== member.sha256)
      throw damaged(`the checksum of ${member.path} does not match`);
  }
  if (Boolean(manifest.encryption) !== encrypted) throw damaged('its manifest and its encryption disagree');
  return manifest;
}
