import {rowCountGauge, type ModuleMetrics} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import {User} from './entities.js';

/** `systemprompt_users_accounts{status}`: the users by status, counted at each scrape of /metrics. */
export function addUserMetrics(metrics: ModuleMetrics, db: ModuleDatabase): void {
  rowCountGauge(metrics, {
    name: 'accounts',
    help: 'User accounts by status (enabled, disabled).',
    label: 'status',
    known: ['enabled', 'disabled'],
    count: async () =>
      (
        await db
          .repository(User)
          .createQueryBuilder('u')
          .select('u.status', 'status')
          .addSelect('COUNT(*)', 'count')
          .groupBy('u.status')
          .getRawMany<{status: string; count: string | number}>()
      ).map((row) => [row.status, row.count] as const),
  });
}
