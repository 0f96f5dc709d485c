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
  return (grantedAction === '*' && grantedResource === wantedResource) || (grantedResource === '*' && grantedAction === wantedAction);
}
