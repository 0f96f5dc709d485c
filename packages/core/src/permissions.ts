/**
 * Permissions are `resource:action`. `resource:*` grants every action on a resource, `*:action`
 * that action on every resource, and `*` everything.
 */
export const PERMISSION_PATTERN = /^(\*|[a-z][a-z0-9-]*:([a-z][a-z0-9-]*|\*)|\*:[a-z][a-z0-9-]*)$/;

export const isPermission = (value: string): boolean => PERMISSION_PATTERN.test(value);

/** Whether `granted` (possibly a wildcard) covers `wanted`. */
export function permissionMatches(granted: string, wanted: string): boolean {
  if (granted === '*' || granted === wanted) return true;
  const [grantedResource, grantedAction] = granted.split(':');
  const [wantedResource, wantedAction] = wanted.split(':');
  return (
    (grantedAction === '*' && grantedResource === wantedResource) ||
    (grantedResource === '*' && grantedAction === wantedAction)
  );
}

/**
 * Whether holding `held` covers `requested`, where both may be wildcards: what the escalation rule
 * asks ("may the actor give `requested` to someone?"). `*` covers everything; `users:*` covers
 * `users:*` and every `users:` action; `*:read` covers `*:read` and every resource's `read`. Nothing
 * narrower covers a wider wildcard: `users:read` does not cover `users:*`, nor `*:read` cover `*`
 * (several exact permissions never add up to a wildcard, as in Kubernetes RBAC's escalation check).
 */
export function permissionCovers(held: string, requested: string): boolean {
  if (held === '*' || held === requested) return true;
  if (requested === '*') return false;
  const [heldResource, heldAction] = held.split(':');
  const [requestedResource, requestedAction] = requested.split(':');
  if (heldAction === '*') return heldResource === requestedResource;
  if (heldResource === '*') return heldAction === requestedAction;
  return false;
}

/** Whether some permission in `held` covers `requested` (see permissionCovers). */
export function permissionsCover(held: Iterable<string>, requested: string): boolean {
  for (const permission of held) if (permissionCovers(permission, requested)) return true;
  return false;
}
