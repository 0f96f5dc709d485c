import {fileURLToPath} from 'node:url';

export {cliWith, eventually, processGone, startDetached, type StartedServer} from '../../system/test/helpers/server.js';

/** The test module whose /api/failing-probe/boom route throws (the server answers 500). */
export const FAILING_PROBE = fileURLToPath(new URL('./fixtures/failing', import.meta.url));

export const FIVE_XX = 'systemprompt_http_request_duration_seconds_count{status=~"5.."}';

/** GETs `url` `times` times at once (loopback only); returns the statuses. */
export async function hit(url: string, times = 1): Promise<number[]> {
  if (!/^http:\/\/(127\.0\.0\.1|\[::1\]):/.test(url)) throw new Error(`not a loopback URL: ${url}`);
  return Promise.all(Array.from({length: times}, () => fetch(url).then((response) => response.status)));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
