import { validateConfig } from '@meterline/cost-model';
import type { InfluxStore } from '../influx/store';
import { SignalsLoop } from './loop';

const T0 = Date.UTC(2026, 2, 10, 12);

/** A store whose queries return nothing and whose writes are controlled by the test. */
function fakeStore(write: (lines: readonly string[]) => Promise<void>) {
  const calls = { writes: 0, closed: 0 };
  const store: InfluxStore = {
    mode: 'v1',
    ping: async () => ({ version: 'test' }),
    ensureReady: async () => undefined,
    query: async () => [],
    write: (lines) => {
      calls.writes++;
      return write(lines);
    },
    close: async () => {
      calls.closed++;
    },
  };
  return { store, calls };
}

const config = validateConfig({
  budgets: [{ name: 'b', scope: { service: 'checkout' }, amount: '100', currency: 'USD', period: 'month' }],
  signals: { intervalMs: 60_000 },
});

function logger() {
  const seen = { warn: 0, error: [] as string[] };
  return {
    seen,
    info: () => undefined,
    warn: () => void seen.warn++,
    error: (obj: object) => void seen.error.push((obj as { err: string }).err),
  };
}

describe('SignalsLoop', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: T0 + 10_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('runs after each interval boundary plus the settle delay, logs a failure and goes on', async () => {
    let fail = true;
    const { store, calls } = fakeStore(async () => {
      if (fail) {
        fail = false;
        throw new Error('InfluxDB is down');
      }
    });
    const log = logger();
    const loop = new SignalsLoop({ config, store, logger: log, settleMs: 5_000 });
    loop.start();
    // T0 + 10 s: past this interval's settle point, so the first run is at T0 + 60 s + 5 s.
    await jest.advanceTimersByTimeAsync(54_999);
    expect(loop.stats.runs).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(loop.stats).toMatchObject({ runs: 1, failures: 1, lastError: 'InfluxDB is down' });
    expect(log.seen.error).toEqual(['InfluxDB is down']);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(loop.stats).toMatchObject({ runs: 2, failures: 1, lastAtMs: T0 + 120_000 });
    expect(calls.writes).toBe(2);
    await loop.stop();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(loop.stats.runs).toBe(2);
    expect(calls.closed).toBe(1);
  });

  it('never overlaps itself: a slow run delays the next one, and stop waits for it', async () => {
    let release: (() => void) | undefined;
    const { store, calls } = fakeStore(() => new Promise<void>((done) => (release = done)));
    const loop = new SignalsLoop({ config, store, logger: logger(), settleMs: 0 });
    loop.start();
    await jest.advanceTimersByTimeAsync(50_000); // the first run starts at T0 + 60 s
    expect(calls.writes).toBe(1);
    await jest.advanceTimersByTimeAsync(300_000); // five intervals later, still the same run
    expect(calls.writes).toBe(1);
    release!();
    await jest.advanceTimersByTimeAsync(0);
    expect(loop.stats.runs).toBe(1);
    // The next run is at the next boundary still ahead, not a burst of the missed ones.
    await jest.advanceTimersByTimeAsync(60_000);
    expect(calls.writes).toBe(2);
    const stopped = loop.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(done).toBe(false); // waiting for the run in progress
    release!();
    await stopped;
    expect(loop.stats.runs).toBe(2);
    expect(calls.closed).toBe(1);
  });
});
