import {promMetricsBackend, type MetricsBackend} from '@systemprompt/core';

/**
 * A real prom-client registry for a CLI process (monitor:metrics and monitor:export when no server
 * runs): the modules booted over it define their metrics as in the server, and gauges with `collect`
 * read their figures from the database at each exposition. Process metrics are left out: those of a
 * command that lives a second say nothing. prom-client is imported only here, off every other path.
 */
export async function processMetricsBackend(): Promise<MetricsBackend> {
  const {default: client} = await import('prom-client');
  return promMetricsBackend(client, new client.Registry());
}
