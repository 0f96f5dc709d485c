import {defineEvent} from '@systemprompt/core';

/** The events of the scheduler (module.yaml `events`); the subject is the schedule's name. */
export const SCHEDULE_CREATED = defineEvent<{id: string; name: string}>('schedule.created');
export const SCHEDULE_UPDATED = defineEvent<{id: string; name: string; change: 'updated' | 'paused' | 'resumed'}>(
  'schedule.updated',
);
export const SCHEDULE_DELETED = defineEvent<{id: string; name: string}>('schedule.deleted');
/** A tick was claimed and its job enqueued: written in the claim's transaction, so once per tick. */
export const SCHEDULE_FIRED = defineEvent<{schedule: string; tickAt: string; jobId: string; manual: boolean}>(
  'schedule.fired',
);
