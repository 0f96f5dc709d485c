import {randomUUID} from 'node:crypto';
import {
  followStoredEvents,
  unavailable,
  type Actor,
  type EventBus,
  type EventStore,
  type ServerState,
} from '@systemprompt/core';

const ANSWER_TIMEOUT_MS = 30_000;
const POLL_MS = 100;

export interface ServerRestartAnswer {
  module: string;
  healthy: boolean;
  message: string;
  server: string;
}

/**
 * Asks the running server to restart a module, through the database (the control plane): a
 * `module.restart.requested` event that the server picks up, and the `module.restarted` event it
 * answers with, matched by request id.
 */
export async function restartOnServer(
  events: EventBus,
  store: EventStore,
  request: {actor: Actor; module: string; server: ServerState},
): Promise<ServerRestartAnswer> {
  const requestId = randomUUID();
  const after = await store.latestId();
  await events.emit(
    'module.restart.requested',
    {module: request.module, requestId},
    {actor: request.actor, subject: request.module},
  );
  const answers = followStoredEvents(store, {
    types: ['module.restarted'],
    afterId: after,
    signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    pollMs: POLL_MS,
  });
  for await (const event of answers) {
    const answer = event.payload as {requestId?: string; healthy?: boolean; message?: string};
    if (answer.requestId === requestId)
      return {
        module: request.module,
        healthy: answer.healthy === true,
        message: answer.message ?? '',
        server: request.server.url,
      };
  }
  throw unavailable(
    `The server at ${request.server.url} did not restart ${request.module} within ${ANSWER_TIMEOUT_MS / 1000} s`,
    {
      code: 'MODULE_RESTART_FAILED',
    },
  );
}
