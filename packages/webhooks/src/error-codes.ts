import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The webhooks module's error codes. */
export default defineErrorCodes({
  WEBHOOK_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'No webhook endpoint has that id.', hint: 'See webhooks:list.'},
  WEBHOOK_CHANGED: {
    exit: ExitCode.Conflict,
    meaning: 'The endpoint was changed or deleted by someone else at the same time.',
    hint: 'Look at it again (webhooks:list) and repeat the change.',
  },
  WEBHOOK_URL_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The URL is not an http(s) URL, holds credentials or a fragment, or is too long.',
  },
  WEBHOOK_EVENTS_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'No --events pattern, too many, or one that is not an event type, a prefix (user.*) or *.',
  },
  WEBHOOK_ADDRESS_REFUSED: {
    exit: ExitCode.PermissionDenied,
    meaning:
      'The URL leads to a private, loopback, link-local, metadata or reserved address (or does not resolve): webhooks may not reach it.',
    hint: 'Allow the network with config:set webhooks.allowNetworks (CIDR blocks) if it is meant.',
  },
  WEBHOOK_ALLOW_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'An entry of webhooks.allowNetworks is not a CIDR block.',
  },
  DELIVERY_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: 'No delivery has that id.',
    hint: 'See webhooks:logs WEBHOOK.',
  },
  DELIVERY_PENDING: {
    exit: ExitCode.Conflict,
    meaning: 'The delivery is still being attempted: it cannot be redelivered yet.',
  },
});
