// The catalog lives in core, beside module discovery; re-exported here for this package's users.
export {declaredPermissions, type DeclaredPermission} from '@systemprompt/core/kernel';
