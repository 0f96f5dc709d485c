import {expect} from 'chai';
import {CidrSet, normalizeAddress, parseCidr} from '../../src/cidr.js';
import {CompiledFirewall, clientAddress, trustedSet} from '../../src/firewall.js';
import {parseTarget} from '../../src/services/probe.js';

const rule = (position: number, action: 'allow' | 'deny', cidr: string) => ({
  id: `r${position}`,
  position,
  action,
  cidr,
});

describe('parseCidr', () => {
  it('gives the canonical range of IPv4 and IPv6 addresses and ranges', () => {
    expect(
      ['127.0.0.2', '10.1.2.3/8', '::1', 'fd00::1/8', '2001:DB8::/32', '::/0', '0.0.0.0/0'].map(
        (text) => parseCidr(text).text,
      ),
    ).to.deep.equal(['127.0.0.2/32', '10.0.0.0/8', '::1/128', 'fd00::/8', '2001:db8::/32', '::/0', '0.0.0.0/0']);
  });

  it('takes an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(parseCidr('::ffff:127.0.0.2').text).to.equal('127.0.0.2/32');
    expect(parseCidr('::ffff:10.0.0.0/104').text).to.equal('10.0.0.0/8');
    expect(normalizeAddress('::FFFF:127.0.0.2')).to.equal('127.0.0.2');
    expect(normalizeAddress('[fe80::1%lo]')).to.equal('fe80::1');
  });

  it('refuses what is not an address or range with NETWORK_CIDR_INVALID (exit 2)', () => {
    for (const text of ['', 'localhost', '10.0.0.0/33', '::1/129', '1.2.3.4/x', '1.2.3.4/8/9', '300.1.1.1']) {
      expect(() => parseCidr(text), text)
        .to.throw()
        .with.property('code', 'NETWORK_CIDR_INVALID');
      expect(() => parseCidr(text), text)
        .to.throw()
        .with.property('exitCode', 2);
    }
  });
});

describe('CompiledFirewall', () => {
  it('lets the first matching rule decide, else the default', () => {
    const firewall = new CompiledFirewall(
      [rule(2, 'allow', '127.0.0.0/8'), rule(1, 'deny', '127.0.0.2/32'), rule(3, 'deny', '::/0')],
      'allow',
    );
    expect(firewall.decide('127.0.0.2')).to.deep.include({
      allowed: false,
      rule: {id: 'r1', position: 1, action: 'deny', cidr: '127.0.0.2/32'},
    });
    expect(firewall.decide('::ffff:127.0.0.2').allowed).to.equal(false);
    expect(firewall.decide('127.0.0.1')).to.deep.include({allowed: true, address: '127.0.0.1'});
    expect(firewall.decide('::1').allowed).to.equal(false);
    expect(firewall.decide('192.0.2.1')).to.deep.include({allowed: true, rule: null});
    expect(new CompiledFirewall([], 'deny').decide('127.0.0.1').allowed).to.equal(false);
  });
});

describe('clientAddress', () => {
  const proxies = trustedSet(['127.0.0.1/32', '10.0.0.0/8']);

  it('ignores X-Forwarded-For unless the peer is a trusted proxy', () => {
    expect(clientAddress('127.0.0.2', '192.0.2.7', proxies)).to.equal('127.0.0.2');
    expect(clientAddress('127.0.0.1', '192.0.2.7', trustedSet([]))).to.equal('127.0.0.1');
  });

  it('walks X-Forwarded-For from the right past trusted proxies', () => {
    expect(clientAddress('::ffff:127.0.0.1', '198.51.100.1, 192.0.2.7, 10.1.1.1', proxies)).to.equal('192.0.2.7');
    expect(clientAddress('127.0.0.1', ['198.51.100.1', '10.1.1.1'], proxies)).to.equal('198.51.100.1');
  });

  it('stops at a malformed entry: the last trusted hop stands', () => {
    expect(clientAddress('127.0.0.1', 'garbage, 10.1.1.1', proxies)).to.equal('10.1.1.1');
  });

  it('matches with Node BlockList on both families', () => {
    const set = new CidrSet([parseCidr('fd00::/8'), parseCidr('192.0.2.0/24')]);
    expect([set.has('fd12::1'), set.has('fe80::1'), set.has('192.0.2.200'), set.has('::ffff:192.0.2.1')]).to.deep.equal(
      [true, false, true, true],
    );
  });
});

describe('parseTarget', () => {
  it('reads URLs and HOST:PORT', () => {
    expect(parseTarget('https://localhost:8443/health')).to.include({host: 'localhost', port: 8443, secure: true});
    expect(parseTarget('http://[::1]/x')).to.include({host: '::1', port: 80, secure: false});
    expect(parseTarget('[::1]:443')).to.include({host: '::1', port: 443, secure: true});
    expect(parseTarget('127.0.0.1:8080', true)).to.include({host: '127.0.0.1', port: 8080, secure: true});
    for (const bad of ['ftp://x', 'localhost', '127.0.0.1:0', 'a:b'])
      expect(() => parseTarget(bad), bad)
        .to.throw()
        .with.property('code', 'NETWORK_TARGET_INVALID');
  });
});
