import {expect} from 'chai';
import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client';
import {type cliWith} from '../../system/test/helpers/server.js';

export {cliWith, eventually, scrape, sampleValue} from '../../system/test/helpers/server.js';
export {startInProcess} from '../../system/test/helpers/in-process.js';

export type Era = 'legacy' | 'modern';
export const ERAS: Era[] = ['legacy', 'modern'];

/** The official client on /mcp with a bearer credential, in one protocol era. */
export async function connect(url: string, credential: string | undefined, era: Era): Promise<Client> {
  const client = new Client(
    {name: 'systemprompt-test', version: '1.0.0'},
    {versionNegotiation: {mode: era === 'modern' ? {pin: '2026-07-28'} : 'legacy'}},
  );
  const headers: Record<string, string> = credential ? {authorization: `Bearer ${credential}`} : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {requestInit: {headers}}));
  return client;
}

/** A user with `role` and an API key of `scope`, made through the real CLI. */
export async function userWithKey(cli: ReturnType<typeof cliWith>, email: string, role: string, scope = '*') {
  const create = await cli('users:create', '--email', email, '--role', role, '--json');
  expect(create.exitCode, create.stdout + create.stderr).to.equal(0);
  const key = await cli('api:keys:create', '--user', email, '--name', 'mcp', '--scope', scope, '--json');
  expect(key.exitCode, key.stdout + key.stderr).to.equal(0);
  return JSON.parse(key.stdout).data as {key: string; prefix: string};
}

/** The text of a tool result's first content block. */
export const textOf = (result: {content?: unknown}): string =>
  ((result.content as Array<{type: string; text?: string}> | undefined) ?? [])
    .map((part) => part.text ?? '')
    .join('\n');

/** The HTTP status an SDK client error carries (SdkHttpError's data.status). */
export const httpStatusOf = (error: unknown): number | undefined =>
  (error as {data?: {status?: number}} | undefined)?.data?.status;
