import {userInfo} from 'node:os';

/** Who made a change, until the identity modules name the signed-in user: the local OS account. */
export function localActor(): string {
  try {
    return `local:${userInfo().username}`;
  } catch {
    return 'local';
  }
}
