import { SeasonalProfile } from './seasonal';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('SeasonalProfile', () => {
  it('maps timestamps to hour-of-week slots in local time, also before 1970', () => {
    const p = new SeasonalProfile(7 * DAY, HOUR, 0, 4);
    expect(p.slots).toBe(168);
    expect(p.slotOf(0)).toBe(0); // Thursday 1970-01-01 00:00 UTC starts the cycle
    expect(p.slotOf(25 * HOUR + 30 * 60_000)).toBe(25);
    expect(p.fraction).toBeCloseTo(0.5);
    expect(p.slotOf(-HOUR)).toBe(167);
    expect(p.slotOf(7 * DAY)).toBe(0);
    const local = new SeasonalProfile(7 * DAY, HOUR, 120, 4);
    expect(local.slotOf(0)).toBe(2);
  });

  it('seeds level and factors from the warm-up means; unseen slots borrow the same hour on other days', () => {
    const p = new SeasonalProfile(7 * DAY, HOUR, 0, 4);
    for (let k = 0; k < 168; k++) if (k !== 30) p.accumulate(k, k % 24 === 6 ? 4 : 1, 1);
    const level = p.seed();
    expect(level).toBeCloseTo((6 * 4 + 161) / 167, 9); // 167 slots seen, six of them 06:00
    expect(p.factor[6]! / p.factor[7]!).toBeCloseTo(4, 9);
    expect(p.factor[30]).toBeCloseTo(p.factor[6]!, 9); // slot 30 = 06:00 on day 2, never seen
  });

  it('interpolates between slot centres for buckets finer than a slot, not for coarser ones', () => {
    const p = new SeasonalProfile(7 * DAY, HOUR, 0, 4);
    p.factor[10] = 1;
    p.factor[11] = 2;
    p.factor[9] = 0;
    const quarter = 15 * 60_000;
    // 15-minute points sit at 0, 0.25, 0.5, 0.75 of a slot: their mean position 0.375 is the slot's value.
    expect(p.factorAt(10, 0.375, quarter)).toBe(1);
    expect(p.factorAt(10, 0.75, quarter)).toBeCloseTo(1.375, 12);
    expect(p.factorAt(10, 0, quarter)).toBeCloseTo(0.625, 12);
    expect(p.factorAt(10, 0.75, HOUR)).toBe(1);
  });

  it('learns geometrically: a burst in a slot that is usually 0 moves it by a bounded ratio', () => {
    const p = new SeasonalProfile(7 * DAY, HOUR, 0, 4);
    p.factor[5] = 0;
    p.visits[5] = 10;
    p.learn(5, Math.log((100 + 0.1) / 0.1), 0.1, 1); // a burst 1000× the softening
    expect(p.factor[5]!).toBeLessThan(0.3);
    p.learn(5, Math.log(0.1 / (p.factor[5]! + 0.1)), 0.1, 1);
    expect(p.factor[5]!).toBeGreaterThanOrEqual(0);
  });

  it('renormalises to mean 1 over the slots seen and returns the level multiplier', () => {
    const p = new SeasonalProfile(DAY, HOUR, 0, 4);
    for (let k = 0; k < 24; k++) {
      p.factor[k] = 2;
      p.visits[k] = 1;
    }
    expect(p.normalise()).toBe(2);
    expect(p.factor[3]).toBe(1);
  });
});
