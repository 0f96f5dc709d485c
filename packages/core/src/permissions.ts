/**
 * Permissions are `resource:action`. `resource:*` grants every action on a resource, `*:action`
 * that action on every resource, and `*` everything. An action may end in `*` to grant every action
 * it starts with (`mcp:github__*`: every tool of the upstream MCP server `github`); actions may hold
 * `_` and `.` and capitals, for the names of upstream items (`mcp:github__create_issue`).
 */
export const PERMISSION_PATTERN = /^(\*|[a-z][a-z0-9-]*:(\*|[A-Za-z0-9][A-Za-z0-9_.-]*\*?)|\*:[a-z][a-z0-9-]*)$/;

export const isPermission = (value: string): boolean => PERMISSION_PATTERN.test(value);

/** Whether the action `granted` (possibly `*` or a `prefix*`) covers the action `wanted`. */
const actionCovers = (granted: string, wanted: string): boolean =>
  granted === wanted || (granted.endsWith('*') && wanted.startsWith(granted.slice(0, -1)));

/** Whether `granted` (possibly a wildcard) covers `wanted`. */
export function permissionMatches(granted: string, wanted: string): boolean {
  if (granted === '*' || granted === wanted) return true;
  const [grantedResource, grantedAction] = granted.split(':');
  const [wantedResource, wantedAction] = wanted.split(':');
  return (
    (grantedResource === wantedResource && actionCovers(grantedAction!, wantedAction!)) ||
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
  if (heldResource === '*') return heldAction === requestedAction;
  // A prefix covers a narrower prefix or an exact action; `*` (the empty prefix) covers all of them.
  if (heldAction!.endsWith('*'))
    return heldResource === requestedResource && actionCovers(heldAction!, requestedAction!);
  return false;
}

/** Whether some permission in `held` covers `requested` (see permissionCovers). */
export function permissionsCover(held: Iterable<string>, requested: string): boolean {
  for (const permission of held) if (permissionCovers(permission, requested)) return true;
  return false;
}
