import {invalidInput} from '@systemprompt/core';

// A real hash to verify against when the account does not exist, so timing does not tell.
let dummyHash: string | undefined;

/** argon2id, imported on first use (a native addon that most commands never need). */
async function argon() {
  return (await import('argon2')).default;
}

export async function hashPassword(password: string): Promise<string> {
  if (password.length < 8) throw invalidInput('The password must have at least 8 characters', {code: 'PASSWORD_TOO_SHORT'});
  if (password.length > 1024) throw invalidInput('The password is too long', {code: 'PASSWORD_TOO_LONG'});
  const argon2 = await argon();
  return argon2.hash(password, {type: argon2.argon2id});
}

/** Constant-time comparison inside argon2; an absent hash still costs one verification. */
export async function verifyPassword(hash: string | null | undefined, password: string): Promise<boolean> {
  const argon2 = await argon();
  if (!hash) {
    dummyHash ??= await argon2.hash('no account has this password', {type: argon2.argon2id});
    await argon2.verify(dummyHash, password);
    return false;
  }
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}
