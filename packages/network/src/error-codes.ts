import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The network module's error codes. */
export default defineErrorCodes({
  NETWORK_CIDR_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'An address or range is not IPv4 or IPv6 ADDRESS[/PREFIX], or its prefix is out of range.',
    hint: 'For example 127.0.0.2, 10.0.0.0/8, ::1 or fd00::/8.',
  },
  NETWORK_RULE_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'A firewall rule is wrong: its position is out of range or its comment too long.',
  },
  NETWORK_RULE_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: 'No firewall rule has that id, position or range.',
    hint: 'See network:firewall.',
  },
  NETWORK_RULE_AMBIGUOUS: {
    exit: ExitCode.InvalidInput,
    meaning: 'Several firewall rules have that range: name the rule by its id or position.',
  },
  NETWORK_FIREWALL_LOCKOUT: {
    exit: ExitCode.InvalidInput,
    meaning: "A firewall change would deny loopback (127.0.0.1 or ::1), shutting out this machine's own commands.",
    hint: 'Allow 127.0.0.1/32 and ::1/128 first, or repeat with --force.',
  },
  NETWORK_FIREWALL_DENIED: {
    exit: ExitCode.PermissionDenied,
    meaning: "The server's firewall refused the request's address (HTTP 403, audited as network.firewall.refused).",
    hint: 'See network:firewall; network:firewall --check ADDRESS says which rule decides.',
  },
  NETWORK_TLS_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'A certificate, key, name or validity is wrong: unreadable, not matching, expired, or out of range.',
  },
  NETWORK_TLS_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: 'No certificate is installed.',
    hint: 'Create one with network:ssl:generate or install one with network:ssl:import.',
  },
  NETWORK_TLS_NOT_RENEWABLE: {
    exit: ExitCode.InvalidInput,
    meaning: 'The installed certificate was imported: only its issuer can renew it.',
    hint: 'Import the renewed certificate with network:ssl:import, or generate one with network:ssl:generate.',
  },
  NETWORK_TARGET_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'network:test: the target is neither an http(s) URL nor HOST:PORT, or --ca cannot be read.',
  },
  NETWORK_SERVER_NOT_RUNNING: {
    exit: ExitCode.Unavailable,
    meaning: "No server of this installation is running, and what was asked for is the server's (its route table).",
    hint: 'Start one with system:start.',
  },
  NETWORK_SERVER_UNREACHABLE: {
    exit: ExitCode.Unavailable,
    meaning: 'The running server does not answer, or answered an error.',
  },
});
