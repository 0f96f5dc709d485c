import dns from 'node:dns';
import http from 'node:http';
import net from 'node:net';
import {expect} from 'chai';
import {NO_METRICS} from '@systemprompt/core';
import {NetworkGuard, Sender, type Resolver} from '../src/index.js';
import {startReceiver, type Receiver} from './helpers.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * The SSRF guard, with the sender that deliveries use. Names resolve through a resolver this test
 * controls, and a hook on every socket connect of this process fails the test if anything tries to
 * reach an address off loopback, so a broken guard cannot send a packet elsewhere.
 */
describe('webhooks: the SSRF guard on the address actually connected to', () => {
  const connectAttempts: string[] = [];
  const offLoopback: string[] = [];
  const original = net.Socket.prototype.connect;
  let receiver: Receiver;
  const names: Record<string, string[]> = {
    'internal.test': ['127.0.0.1'],
    'metadata.test': ['169.254.169.254'],
    'mixed.test': ['10.0.0.1', '127.0.0.1'],
  };
  const resolver: Resolver = async (hostname) => {
    const addresses = names[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {code: 'ENOTFOUND'});
    return addresses.map((address) => ({address, family: net.isIP(address)}));
  };

  before(async () => {
    receiver = await startReceiver();
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      // net.connect hands over its normalized arguments as one array: [options, callback].
      const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
      const options = (typeof first === 'object' && first !== null ? first : undefined) as
        {host?: string; lookup?: net.LookupFunction} | undefined;
      const host = options?.host ?? (typeof args[1] === 'string' ? args[1] : '');
      const check = (address: string): Error | undefined => {
        connectAttempts.push(address);
        if (LOOPBACK.test(address)) return undefined;
        offLoopback.push(address);
        return new Error(`test hook: refused a connection to ${address}, off loopback`);
      };
      if (host && net.isIP(host)) {
        const refused = check(host);
        if (refused) throw refused;
      } else if (options && host) {
        // A name: the addresses its look-up returns are checked before the socket connects to one.
        const lookup = options.lookup ?? (dns.lookup as unknown as net.LookupFunction);
        options.lookup = (hostname, lookupOptions, callback) =>
          lookup(hostname, lookupOptions, (error, address, family) => {
            const list = Array.isArray(address)
              ? (address as Array<{address: string}>).map((each) => each.address)
              : [address];
            const refused = error ? undefined : list.map(check).find(Boolean);
            (callback as (...a: unknown[]) => void)(refused ?? error, address, family);
          });
      }
      return (original as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof net.Socket.prototype.connect;
  });
  after(async () => {
    net.Socket.prototype.connect = original;
    await receiver.close();
  });
  afterEach(() => {
    expect(offLoopback, 'a connection off loopback was attempted').to.deep.equal([]);
  });

  const message = {id: 'msg_1', body: '{"type":"user.created"}', secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']};

  it('refuses 169.254.169.254, 10.0.0.1 and a name resolving to 127.0.0.1 without the allow-list, connecting nowhere', async () => {
    const sender = new Sender(new NetworkGuard([], resolver), {timeoutMs: 2000, responseHeadBytes: 100}, NO_METRICS);
    const port = new URL(receiver.url).port;
    connectAttempts.length = 0;
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.1/hook',
      `http://internal.test:${port}/hook`,
      `http://metadata.test/hook`,
      `http://mixed.test:${port}/hook`,
      'http://[::ffff:169.254.169.254]/hook',
      `http://127.0.0.1:${port}/hook`,
    ]) {
      const result = await sender.send(url, message);
      expect(result.status, url).to.equal(null);
      expect(result.error, url).to.match(
        /^Refused to deliver to .*(private, loopback, link-local or reserved address)/,
      );
    }
    expect(connectAttempts, 'no connection was even tried').to.deep.equal([]);
    expect(receiver.received).to.have.length(0);
    sender.close();
  });

  it('with loopback allowed, a name resolving to 127.0.0.1 is delivered to that address; a mixed answer uses only the allowed one', async () => {
    const sender = new Sender(
      new NetworkGuard(['127.0.0.0/8'], resolver),
      {timeoutMs: 2000, responseHeadBytes: 100},
      NO_METRICS,
    );
    const port = new URL(receiver.url).port;
    receiver.secrets.push(message.secrets[0]!);
    const named = await sender.send(`http://internal.test:${port}/named`, message);
    expect(named.status, named.error ?? '').to.equal(200);
    const mixed = await sender.send(`http://mixed.test:${port}/mixed`, message);
    expect(mixed.status, mixed.error ?? '').to.equal(200);
    expect(receiver.on('/named')[0]!.verifiedBy).to.have.length(1);
    expect(receiver.on('/mixed')).to.have.length(1);
    // The hook sees the connections that are made: to the checked loopback address only.
    expect(connectAttempts.length).to.be.greaterThan(0);
    expect(
      connectAttempts.every((host) => LOOPBACK.test(host)),
      connectAttempts.join(' '),
    ).to.equal(true);
    // Still refused: the metadata address is not in the allow-list.
    expect((await sender.send('http://metadata.test/x', message)).error).to.match(/169\.254\.169\.254 is a private/);
    expect((await sender.send('http://unknown.test/x', message)).error).to.match(/unknown\.test does not resolve/);
    sender.close();
  });

  it('does not follow a redirect, and records it as a failure', async () => {
    receiver.answer('/moved', () => ({status: 302, headers: {location: 'http://169.254.169.254/'}}));
    const sender = new Sender(
      new NetworkGuard(['127.0.0.1/32'], resolver),
      {timeoutMs: 2000, responseHeadBytes: 100},
      NO_METRICS,
    );
    const result = await sender.send(`${receiver.url}/moved`, message);
    expect(result.status).to.equal(302);
    expect(result.error).to.match(/redirects are not followed \(Location: http:\/\/169\.254\.169\.254\/\)/);
    sender.close();
  });

  it('the hook itself stops a connection off loopback (so a broken guard could not send a packet)', async () => {
    const error = await new Promise<Error>((resolve) => {
      try {
        const request = http.get({host: '10.0.0.1', port: 80, path: '/', agent: false}, () =>
          resolve(new Error('connected')),
        );
        request.on('error', resolve);
      } catch (thrown) {
        resolve(thrown as Error);
      }
    });
    expect(error.message).to.match(/test hook: refused a connection to 10\.0\.0\.1/);
    expect(offLoopback).to.deep.equal(['10.0.0.1']);
    offLoopback.length = 0;
  });

  it('refuses an allow-list entry that is not a CIDR block', () => {
    expect(() => new NetworkGuard(['10.0.0.0/33'])).to.throw(/not a CIDR block/);
    expect(() => new NetworkGuard(['example.com'])).to.throw(/not a CIDR block/);
  });
});
