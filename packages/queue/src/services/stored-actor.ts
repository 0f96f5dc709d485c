import type {Actor} from '@systemprompt/core';

/**
 * Who a job acts for, as stored in its payload: the actor's identity and its credential's scopes.
 * Nothing of what they may do is stored: every permission is decided when the job's code asks, from
 * what the user holds then (a user who lost a permission, or was disabled, since enqueueing is refused).
 */
export interface StoredActor {
  kind: Actor['kind'];
  id: string;
  label: string;
  via: Actor['via'];
  scopes?: string[];
}

export function storedActor(actor: Actor): StoredActor {
  return {
    kind: actor.kind,
    id: actor.id,
    label: actor.label,
    via: actor.via,
    ...(actor.scopes ? {scopes: [...actor.scopes]} : {}),
  };
}

/** The actor a job acts as; what it carried (and nothing else) comes back. */
export function actorOf(stored: StoredActor): Actor {
  return {
    kind: stored.kind,
    id: stored.id,
    label: stored.label,
    via: stored.via,
    ...(stored.scopes ? {scopes: [...stored.scopes]} : {}),
  };
}
