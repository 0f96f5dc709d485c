import type {ModuleMetrics} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import {User} from './entities.js';

/** `systemprompt_users_accounts{status}`: the users by status, counted at each scrape of /metrics. */
export function addUserMetrics(metrics: ModuleMetrics, db: ModuleDatabase): void {
  metrics.gauge({
    name: 'accounts',
    help: 'User accounts by status (enabled, disabled).',
    labelNames: ['status'],
    collect: async (gauge) => {
      const rows = await db
        .repository(User)
        .createQueryBuilder('u')
        .select('u.status', 'status')
        .addSelect('COUNT(*)', 'count')
        .groupBy('u.status')
        .getRawMany<{status: string; count: string | number}>();
      for (const status of ['enabled', 'disabled']) gauge.set({status}, 0);
      for (const row of rows) gauge.set({status: row.status}, Number(row.count));
    },
  });
}
