import {expect} from 'chai';
import {checkText, emailLookupKey, isMixedScript, normalizeEmail} from '../../src/services/text.js';

function refused(body: () => unknown, code: string): string {
  try {
    body();
  } catch (error) {
    const caught = error as Error & {code: string; exitCode: number};
    expect(caught.exitCode, caught.message).to.equal(2);
    expect(caught.code, caught.message).to.equal(code);
    return caught.message;
  }
  throw new Error(`expected ${code}, but it passed`);
}

describe('normalizeEmail', () => {
  it('trims, applies NFC and lower-cases the whole address', () => {
    expect(normalizeEmail('  Ana.Lima@Example.COM ')).to.equal('ana.lima@example.com');
    // "é" typed as e + combining acute (NFD) is the same address as the precomposed "é" (NFC).
    expect(normalizeEmail('Rene\u0301@example.com')).to.equal('ren\u00e9@example.com');
    expect(normalizeEmail('RENÉ@example.com')).to.equal('rené@example.com');
  });

  it('keeps a Unicode domain in its ASCII (IDNA) form', () => {
    expect(normalizeEmail('ana@BÜCHER.example')).to.equal('ana@xn--bcher-kva.example');
  });

  it('refuses control, invisible and bidirectional characters and invalid UTF-8', () => {
    for (const email of [
      'ana\u0000@example.com',
      'ana\n@example.com',
      'ana\u007f@example.com',
      'ana\u0085@example.com',
      'an\u200ba@example.com',
      'ana\u202e@example.com',
      'ana\ufeff@example.com',
      'ana\ud800@example.com',
      'ana\ufffd@example.com',
    ]) {
      refused(() => normalizeEmail(email), 'EMAIL_INVALID');
    }
  });

  it('refuses lookalikes that mix scripts, in the name or a domain label, with a clear message', () => {
    const message = refused(() => normalizeEmail('adm\u0456n@example.com'), 'EMAIL_MIXED_SCRIPT');
    expect(message).to.equal(
      'The email address "adm\u0456n@example.com" mixes Latin and Cyrillic letters in its name ("adm\u0456n"), as lookalike addresses do',
    );
    refused(() => normalizeEmail('ana@ex\u0430mple.com'), 'EMAIL_MIXED_SCRIPT');
    refused(() => normalizeEmail('\u03bfpen@example.com'), 'EMAIL_MIXED_SCRIPT');
  });

  it('accepts one script, and Latin with the scripts written together in East Asia', () => {
    expect(normalizeEmail('\u0438\u0432\u0430\u043d@example.com')).to.equal('\u0438\u0432\u0430\u043d@example.com');
    expect(normalizeEmail('taro\u592a\u90ce\u305f\u308d\u3046@example.jp')).to.equal(
      'taro\u592a\u90ce\u305f\u308d\u3046@example.jp',
    );
    expect(isMixedScript('ana-2026.x_y')).to.equal(false);
  });

  it('refuses what is no address, and addresses too long', () => {
    for (const email of [
      '',
      'ana',
      '@example.com',
      'ana@',
      'ana@example',
      'a b@example.com',
      'ana@exa_mple.com',
      `${'a'.repeat(65)}@example.com`,
      `ana@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`,
    ]) {
      refused(() => normalizeEmail(email), 'EMAIL_INVALID');
    }
  });

  it('gives lookups the same form as storage, and something harmless for what is no address', () => {
    expect(emailLookupKey(' Ana@Example.com')).to.equal('ana@example.com');
    expect(emailLookupKey('Not An Email')).to.equal('not an email');
  });
});

describe('checkText', () => {
  const rule = {what: 'The name', max: 5, code: 'NAME_INVALID'};

  it('trims and applies NFC; counts characters, not UTF-16 units', () => {
    expect(checkText('  Rene\u0301 ', rule)).to.equal('Ren\u00e9');
    expect(checkText('😀😀😀😀😀', rule)).to.equal('😀😀😀😀😀');
  });

  it('refuses too long, control and bidirectional characters and invalid UTF-8 (exit 2)', () => {
    expect(refused(() => checkText('abcdef', rule), 'NAME_INVALID')).to.equal(
      'The name is 6 characters long; the most is 5',
    );
    for (const text of ['a\u0007b', 'a\u202eb', 'a\udc00b', 'a\ufffdb'])
      refused(() => checkText(text, rule), 'NAME_INVALID');
  });
});
