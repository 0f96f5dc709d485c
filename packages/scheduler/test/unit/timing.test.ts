import {expect} from 'chai';
import {checkAt, checkCron, checkZone, nextTick, planTicks} from '../../src/services/timing.js';

const at = (iso: string) => Date.parse(iso);
const times = (values: number[]) => values.map((value) => new Date(value).toISOString());
const EVERY_SECOND = {cron: '* * * * * *', tz: 'UTC'};
const EVERY_MINUTE = {cron: '* * * * *', tz: 'UTC'};
const GRACE = 10_000;

/** Expects `fn` to throw a SystemPromptError with this exit code and code. */
function refused(fn: () => unknown, exitCode: number, code: string): string {
  try {
    fn();
  } catch (error) {
    expect(error).to.include({exitCode, code});
    return (error as Error).message;
  }
  throw new Error(`expected ${code}`);
}

describe('timing', () => {
  describe('planTicks', () => {
    it('fires the one due tick and moves next_run_at to the first tick after now', () => {
      const plan = planTicks(EVERY_SECOND, at('2030-01-01T00:00:10Z'), at('2030-01-01T00:00:10.300Z'), GRACE, 'skip');
      expect(times(plan.fire)).to.deep.equal(['2030-01-01T00:00:10.000Z']);
      expect(plan).to.include({missed: 0, next: at('2030-01-01T00:00:11Z')});
    });

    it('fires every tick that is late by less than the grace (a planner that stalled), oldest first', () => {
      const plan = planTicks(EVERY_SECOND, at('2030-01-01T00:00:10Z'), at('2030-01-01T00:00:12.500Z'), GRACE, 'skip');
      expect(times(plan.fire)).to.deep.equal([
        '2030-01-01T00:00:10.000Z',
        '2030-01-01T00:00:11.000Z',
        '2030-01-01T00:00:12.000Z',
      ]);
      expect(plan.next).to.equal(at('2030-01-01T00:00:13Z'));
    });

    it('skip: fires none of the ticks missed while no server ran, only those within the grace', () => {
      const plan = planTicks(EVERY_MINUTE, at('2030-01-01T00:00:00Z'), at('2030-01-01T03:00:30Z'), GRACE, 'skip');
      expect(plan.fire).to.deep.equal([]);
      expect(plan.missed).to.equal(181);
      expect(plan.next).to.equal(at('2030-01-01T03:01:00Z'));
      const onTime = planTicks(EVERY_MINUTE, at('2030-01-01T00:00:00Z'), at('2030-01-01T03:00:05Z'), GRACE, 'skip');
      expect(times(onTime.fire)).to.deep.equal(['2030-01-01T03:00:00.000Z']);
      expect(onTime.missed).to.equal(180);
    });

    it('run-once: fires the latest missed tick once, then the ones on time', () => {
      const plan = planTicks(EVERY_MINUTE, at('2030-01-01T00:00:00Z'), at('2030-01-01T03:00:30Z'), GRACE, 'run-once');
      expect(times(plan.fire)).to.deep.equal(['2030-01-01T03:00:00.000Z']);
      expect(plan.next).to.equal(at('2030-01-01T03:01:00Z'));
      const withOnTime = planTicks(
        EVERY_MINUTE,
        at('2030-01-01T00:00:00Z'),
        at('2030-01-01T03:00:05Z'),
        GRACE,
        'run-once',
      );
      expect(times(withOnTime.fire)).to.deep.equal(['2030-01-01T02:59:00.000Z', '2030-01-01T03:00:00.000Z']);
    });

    it('a one-off fires once (late within the grace, or missed under run-once) and is finished; skip drops a missed one', () => {
      const once = {at: at('2030-01-01T00:00:00Z'), tz: 'UTC'};
      expect(planTicks(once, once.at, once.at + 500, GRACE, 'skip')).to.deep.equal({
        fire: [once.at],
        missed: 0,
        next: null,
      });
      expect(planTicks(once, once.at, once.at + 3_600_000, GRACE, 'run-once')).to.deep.equal({
        fire: [once.at],
        missed: 1,
        next: null,
      });
      expect(planTicks(once, once.at, once.at + 3_600_000, GRACE, 'skip')).to.deep.equal({
        fire: [],
        missed: 1,
        next: null,
      });
    });

    it('follows the zone across DST: a fixed time in the spring gap fires after it, and an interval fires on both repeated hours', () => {
      const daily = {cron: '30 2 * * *', tz: 'Europe/Berlin'};
      // 2030-03-31: clocks go from 02:00 to 03:00 in Berlin; 02:30 does not exist and the tick comes at 03:00 (01:00Z).
      expect(new Date(nextTick(daily, at('2030-03-30T12:00:00Z'))!).toISOString()).to.equal('2030-03-31T01:00:00.000Z');
      const halfHourly = {cron: '0,30 * * * *', tz: 'Europe/Berlin'};
      // 2030-10-27: 02:00-03:00 happens twice; both 02:30s fire, an hour apart.
      const plan = planTicks(halfHourly, at('2030-10-27T00:00:00Z'), at('2030-10-27T01:45:00Z'), 4 * 3_600_000, 'skip');
      expect(times(plan.fire)).to.deep.equal([
        '2030-10-27T00:00:00.000Z',
        '2030-10-27T00:30:00.000Z',
        '2030-10-27T01:00:00.000Z',
        '2030-10-27T01:30:00.000Z',
      ]);
    });
  });

  describe('checks', () => {
    const now = at('2030-01-01T00:00:00Z');

    it('reads 5- and 6-field patterns and nicknames, normalising spaces', () => {
      expect(checkCron('  */5   * * * * ', 'UTC', now)).to.equal('*/5 * * * *');
      expect(checkCron('* * * * * *', 'UTC', now)).to.equal('* * * * * *');
      expect(checkCron('@hourly', 'UTC', now)).to.equal('@hourly');
    });

    it('refuses a bad pattern, a date given as a pattern and a pattern that never fires, with exit 2', () => {
      expect(refused(() => checkCron('* * * *', 'UTC', now), 2, 'SCHEDULE_CRON_INVALID')).to.match(
        /^Invalid cron pattern "\* \* \* \*"/,
      );
      refused(() => checkCron('61 * * * *', 'UTC', now), 2, 'SCHEDULE_CRON_INVALID');
      refused(() => checkCron('2030-01-31T09:00', 'UTC', now), 2, 'SCHEDULE_CRON_INVALID');
      expect(refused(() => checkCron('0 0 30 2 *', 'UTC', now), 2, 'SCHEDULE_CRON_INVALID')).to.include('never fires');
    });

    it('knows IANA zones and refuses others', () => {
      expect(checkZone('Europe/Berlin')).to.equal('Europe/Berlin');
      expect(checkZone('utc')).to.equal('UTC');
      expect(refused(() => checkZone('Mars/Olympus'), 2, 'SCHEDULE_ZONE_INVALID')).to.equal(
        'Unknown time zone "Mars/Olympus"',
      );
    });

    it('reads --at with an offset as written and without one in the zone, and refuses the past and non-times', () => {
      expect(checkAt('2030-01-31T09:00:00Z', 'Europe/Berlin', now)).to.equal(at('2030-01-31T09:00:00Z'));
      expect(checkAt('2030-01-31T09:00:00+02:00', 'UTC', now)).to.equal(at('2030-01-31T07:00:00Z'));
      expect(checkAt('2030-01-31T09:00', 'Europe/Berlin', now)).to.equal(at('2030-01-31T08:00:00Z'));
      expect(refused(() => checkAt('2029-12-31T23:59:59Z', 'UTC', now), 2, 'SCHEDULE_AT_INVALID')).to.include(
        'is not in the future',
      );
      refused(() => checkAt('tomorrow', 'UTC', now), 2, 'SCHEDULE_AT_INVALID');
      refused(() => checkAt('2030-13-01T00:00', 'UTC', now), 2, 'SCHEDULE_AT_INVALID');
    });
  });
});
