/**
 * Backups and restores (data:backup|restore|validate, system:backup|restore), a subpath of their own
 * (`@systemprompt/database/backup`) so that other commands do not load them.
 */
export * from './services/backup/index.js';
