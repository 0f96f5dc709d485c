import {expect} from 'chai';
import {IssuerPolicy, metadataDocumentFetchable} from '../src/index.js';
import type {McpApi} from '@systemprompt/mcp';

const policy = (config: {publicUrl?: string; allowedHosts?: string[]}) =>
  new IssuerPolicy({config: {publicUrl: '', allowedHosts: [], ...config}} as unknown as McpApi);

describe('the issuers the authorization server is, and whose tokens /mcp takes', () => {
  it('is the origin the client addressed, for names /mcp answers only', () => {
    const loopback = policy({});
    expect(loopback.issuerFor('http://127.0.0.1:8080')).to.equal('http://127.0.0.1:8080');
    expect(loopback.issuerFor('http://localhost:8080')).to.equal('http://localhost:8080');
    expect(() => loopback.issuerFor('http://evil.example:8080')).to.throw(/does not answer for host evil\.example/);
    expect(policy({allowedHosts: ['mcp.example.com']}).issuerFor('https://mcp.example.com')).to.equal(
      'https://mcp.example.com',
    );
  });

  it('is the public URL when one is set, whatever the request named', () => {
    const fixed = policy({publicUrl: 'https://os.example.com/'});
    expect(fixed.issuerFor('http://127.0.0.1:8080')).to.equal('https://os.example.com');
    expect(fixed.audienceFor('https://os.example.com')).to.equal('https://os.example.com/mcp');
    expect(fixed.audienceFor('http://127.0.0.1:8080')).to.equal(undefined);
  });

  it('vouches only for bare origins of allowed names', () => {
    const loopback = policy({});
    expect(loopback.audienceFor('http://127.0.0.1:8080')).to.equal('http://127.0.0.1:8080/mcp');
    expect(loopback.audienceFor('http://127.0.0.1:8080/')).to.equal(undefined);
    expect(loopback.audienceFor('http://127.0.0.1:8080/other')).to.equal(undefined);
    expect(loopback.audienceFor('https://accounts.example.com')).to.equal(undefined);
    expect(loopback.audienceFor('systemprompt')).to.equal(undefined);
  });
});

describe('client ID metadata documents are fetched only from public https names', () => {
  it('refuses address literals, localhost and plain http', () => {
    expect(metadataDocumentFetchable('https://client.example.com/oauth/metadata.json')).to.equal(true);
    for (const url of [
      'http://client.example.com/metadata.json',
      'https://127.0.0.1/metadata.json',
      'https://10.0.0.8/metadata.json',
      'https://[::1]/metadata.json',
      'https://[fd00::1]/metadata.json',
      'https://localhost/metadata.json',
      'https://app.localhost/metadata.json',
      'https://intranet/metadata.json',
      'not a url',
    ])
      expect(metadataDocumentFetchable(url), url).to.equal(false);
  });
});
