import {randomBytes} from 'node:crypto';
import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {SecretBox, canDecrypt} from '../../../src/config/secrets.js';
import {makeTempDir, removeTempDir} from '../helpers/temp.js';

describe('SecretBox', () => {
  let first: string;
  let second: string;

  beforeEach(async () => {
    [first, second] = [await makeTempDir(), await makeTempDir()];
  });
  afterEach(async () => {
    await removeTempDir(first);
    await removeTempDir(second);
  });

  it('cannot read on a second host what the first host encrypted with its own key file, and says which variable fixes it', async () => {
    const stored = await new SecretBox(first, {}).encrypt('sk-one');
    const other = new SecretBox(second, {});
    await other.encrypt('makes a key of its own');
    const error = await other.decrypt(stored).then(
      () => undefined,
      (caught: unknown) => caught as {code: string; hint: string},
    );
    expect(error?.code).to.equal('SECRET_UNREADABLE');
    expect(error?.hint).to.include('SYSTEMPROMPT_SECRET_KEY');
    expect(await canDecrypt(other, stored)).to.equal(false);
  });

  it('reads on every host that shares SYSTEMPROMPT_SECRET_KEY, and writes no key file then', async () => {
    const env = {SYSTEMPROMPT_SECRET_KEY: randomBytes(32).toString('base64')};
    const stored = await new SecretBox(first, env).encrypt({token: 'sk-shared'});
    expect(await new SecretBox(second, env).decrypt(stored)).to.deep.equal({token: 'sk-shared'});
    const {readdir} = await import('node:fs/promises');
    expect(await readdir(first)).to.deep.equal([]);
  });

  it('takes the key from SYSTEMPROMPT_SECRET_KEY_FILE, and refuses a named file that is missing instead of making a new key', async () => {
    const file = join(second, 'shared.key');
    await writeFile(file, randomBytes(32).toString('base64'));
    const stored = await new SecretBox(first, {SYSTEMPROMPT_SECRET_KEY_FILE: file}).encrypt('x');
    expect(await new SecretBox(second, {SYSTEMPROMPT_SECRET_KEY_FILE: file}).decrypt(stored)).to.equal('x');
    const missing = await new SecretBox(first, {SYSTEMPROMPT_SECRET_KEY_FILE: join(first, 'nope.key')})
      .encrypt('x')
      .then(
        () => undefined,
        (caught: unknown) => caught as {code: string},
      );
    expect(missing?.code).to.equal('SECRET_KEY_MISSING');
  });

  it('refuses a key that is not 32 bytes', async () => {
    const error = await new SecretBox(first, {SYSTEMPROMPT_SECRET_KEY: 'c2hvcnQ='}).encrypt('x').then(
      () => undefined,
      (caught: unknown) => caught as {code: string; message: string},
    );
    expect(error?.code).to.equal('SECRET_KEY_INVALID');
    expect(error?.message).to.include('SYSTEMPROMPT_SECRET_KEY');
  });
});
