import {expect} from 'chai';
import {MAX_DELAY_MS, parseDuration, parseTime} from '../../../src/services/durations.js';

describe('durations', () => {
  it('reads units, combinations, digits and numbers as milliseconds', () => {
    expect(parseDuration('500ms')).to.equal(500);
    expect(parseDuration('30s')).to.equal(30_000);
    expect(parseDuration('1h30m')).to.equal(5_400_000);
    expect(parseDuration('1.5s')).to.equal(1500);
    expect(parseDuration('2d')).to.equal(172_800_000);
    expect(parseDuration('1500')).to.equal(1500);
    expect(parseDuration(250)).to.equal(250);
  });

  it('refuses what is not a duration, and delays longer than a year', () => {
    for (const value of ['soon', '5 m', '1h 30m', '-1s', '', '1w', null, {}])
      expect(parseDuration(value), String(value)).to.equal(undefined);
    expect(parseDuration(MAX_DELAY_MS + 1)).to.equal(undefined);
    expect(parseDuration('367d')).to.equal(undefined);
  });

  it('reads ISO 8601 times only', () => {
    expect(parseTime('2030-01-02T03:04:05Z')).to.equal(Date.UTC(2030, 0, 2, 3, 4, 5));
    expect(parseTime('2030-01-02')).to.equal(Date.UTC(2030, 0, 2));
    expect(parseTime('tomorrow')).to.equal(undefined);
    expect(parseTime('1')).to.equal(undefined);
    expect(parseTime(1_700_000_000_000)).to.equal(undefined);
  });
});
