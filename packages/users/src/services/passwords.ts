import {invalidInput} from '@systemprompt/core';

// A real hash to verify against when the account does not exist, so timing does not tell.
let dummyHash: string | undefined;

/**
 * argon2id (OWASP parameters: 19 MiB, 2 passes), imported on first use: most commands never need it.
 * @node-rs/argon2 ships prebuilt binaries per platform as npm packages; the `argon2` package's
 * prebuilt binary crashes on these machines.
 */
async function argon() {
  return import('@node-rs/argon2');
}

/** Refuses a password that is too short or too long (exit 2), without hashing it (dry runs check this too). */
export function checkPassword(password: string): void {
  if (password.length < 8)
    throw invalidInput('The password must have at least 8 characters', {code: 'PASSWORD_TOO_SHORT'});
  if (password.length > 1024) throw invalidInput('The password is too long', {code: 'PASSWORD_TOO_LONG'});
}

export async function hashPassword(password: string): Promise<string> {
  checkPassword(password);
  const argon2 = await argon();
  // The library's default algorithm is argon2id.
  return argon2.hash(password);
}

/** Constant-time comparison inside argon2; an absent hash still costs one verification. */
export async function verifyPassword(hash: string | null | undefined, password: string): Promise<boolean> {
  const argon2 = await argon();
  if (!hash) {
    dummyHash ??= await argon2.hash('no account has this password');
    await argon2.verify(dummyHash, password);
    return false;
  }
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}
