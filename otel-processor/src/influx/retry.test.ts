import { InfluxError } from './errors';
import { backoffDelay, withRetry } from './retry';

describe('backoffDelay', () => {
  it('doubles per attempt with equal jitter and a cap', () => {
    const lo = { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 };
    const hi = { ...lo, random: () => 0.999999 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, lo))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, hi))).toEqual([100, 200, 400, 800, 1000]);
  });

  it('honours a longer Retry-After, still capped', () => {
    expect(backoffDelay(1, { baseDelayMs: 100, random: () => 0 }, 3000)).toBe(3000);
    expect(backoffDelay(1, { baseDelayMs: 100, maxDelayMs: 2000, random: () => 0 }, 3000)).toBe(2000);
  });
});

describe('withRetry', () => {
  const sleeps: number[] = [];
  const opts = {
    maxAttempts: 4,
    baseDelayMs: 10,
    random: () => 0,
    sleep: async (ms: number) => void sleeps.push(ms),
  };
  beforeEach(() => (sleeps.length = 0));

  it('retries retryable errors until success', async () => {
    let n = 0;
    const v = await withRetry(async () => {
      if (++n < 3) throw new InfluxError('503', true, 503);
      return 'ok';
    }, opts);
    expect(v).toBe('ok');
    expect(n).toBe(3);
    expect(sleeps).toEqual([5, 10]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    let n = 0;
    await expect(
      withRetry(async () => {
        throw new InfluxError(`fail ${++n}`, true);
      }, opts),
    ).rejects.toThrow('fail 4');
    expect(sleeps).toHaveLength(3);
  });

  it('does not retry non-retryable errors', async () => {
    let n = 0;
    await expect(
      withRetry(async () => {
        n++;
        throw new InfluxError('400', false, 400);
      }, opts),
    ).rejects.toThrow('400');
    expect(n).toBe(1);
  });
});
