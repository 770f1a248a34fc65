import { int } from '../influx/line-protocol';
import type { CommandIo } from '../reconcile/command-io';
import { runSignalsCommand } from './command';
import type { SignalsReport } from './evaluate';
import { formatSignalsTable } from './output';

const AT = Date.UTC(2026, 2, 1, 10, 35);

function capture(): CommandIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
  };
}

describe('meterline signals arguments', () => {
  it.each([
    [['--at', '2026-03-01T10:35:00Z'], /--at only applies to a single evaluation: add --once/],
    [['--once', '--at', '2026-03-01 noon'], /--at: expected an ISO-8601 time such as 2026-03-01T10:35:00Z/],
    [['--once', '--at', '2026-02-30T00:00:00Z'], /--at: expected an ISO-8601 time/],
    [['--once', '--bogus'], /Unknown option '--bogus'/],
    [['--once', 'extra'], /Unexpected argument 'extra'/],
    [['--once', '--config', '/nonexistent/meterline.yaml'], /cannot read/],
  ])('exits 2 on %j with a message naming the input', async (argv, message) => {
    const io = capture();
    expect(await runSignalsCommand(argv, io)).toBe(2);
    expect(io.err.join('')).toMatch(message);
    expect(io.out).toEqual([]);
  });

  it('prints its help with examples', async () => {
    const io = capture();
    expect(await runSignalsCommand(['--help'], io)).toBe(0);
    const help = io.out.join('');
    expect(help).toContain('Usage: meterline signals --once [--at TIME] [--config FILE]');
    expect(help).toContain('meterline signals --once --at 2026-03-01T10:35:00Z');
  });
});

describe('the signals summary table', () => {
  const report: SignalsReport = {
    atMs: AT,
    anomalyBucket: { fromMs: AT - 600_000, toMs: AT - 300_000 },
    skippedSeries: [{ dimension: 'tenant', value: 'tiny', currency: 'USD', totalNano: 1n }],
    errors: [{ part: 'unknown', error: new Error('query failed') }],
    points: [
      {
        measurement: 'cost_budget',
        tags: { budget: 'checkout', service: 'checkout', currency: 'USD' },
        fields: { amount_nano: int(744_000_000_000n), period: 'month' },
        time: Date.UTC(2026, 2, 1),
      },
      {
        measurement: 'cost_signal',
        tags: { signal: 'burn_rate', window: '1h', budget: 'checkout', service: 'checkout' },
        fields: { value: 17.28, spend_nano: int(17_280_000_000n) },
        time: AT,
      },
      {
        measurement: 'cost_signal',
        tags: { signal: 'projected_ratio', window: 'period', budget: 'checkout', service: 'checkout' },
        fields: { value: 2.5, exhaustion_s: 36_000, warn: true, escalate: true, page: true, ticket: false },
        time: AT,
      },
      {
        measurement: 'cost_signal',
        tags: { signal: 'anomaly_score', window: '5m', service: 'checkout', currency: 'USD' },
        fields: { value: 0.99812, expected: 1.2e9, amount_nano: int(12_000_000_000n), ready: true },
        time: AT - 600_000,
      },
      {
        measurement: 'cost_event',
        tags: { kind: 'anomaly', service: 'checkout', currency: 'USD' },
        fields: { score: 0.99812, trace_ids: 'a,b', deploy_versions: '1.1.0', title: 't', text: 'x' },
        time: AT - 1_200_000,
      },
    ],
  };

  it('lists every point with its series, value and what matters about it, then counts and problems', () => {
    const text = formatSignalsTable(report, 'http://127.0.0.1:8086 database meterline');
    const lines = text.split('\n');
    expect(lines[0]).toBe('Signals at 2026-03-01T10:35:00Z → http://127.0.0.1:8086 database meterline');
    expect(lines[2]).toMatch(/^measurement\s+signal\s+window\s+series\s+value\s+notes$/);
    expect(text).toMatch(
      /cost_budget\s+budget=checkout currency=USD service=checkout\s+744\.00 USD\s+month from 2026-03-01T00:00:00Z/,
    );
    expect(text).toMatch(/cost_signal\s+burn_rate\s+1h\s+budget=checkout service=checkout\s+17\.28\n/);
    expect(text).toMatch(
      /projected_ratio\s+period\s+budget=checkout service=checkout\s+2\.5\s+page, warn, escalate, exhausted in 10\.0 h/,
    );
    expect(text).toMatch(
      /anomaly_score\s+5m\s+currency=USD service=checkout\s+0\.9981\s+bucket 2026-03-01T10:25:00Z: spent 12\.00, expected 1\.200/,
    );
    expect(text).toMatch(
      /cost_event\s+anomaly\s+currency=USD service=checkout\s+0\.9981\s+since 2026-03-01T10:15:00Z, 2 trace ids, deploys 1\.1\.0/,
    );
    expect(text).toContain('Wrote 5 points: 1 cost_budget, 1 cost_event, 3 cost_signal.');
    expect(text).toContain('Anomaly scores are for the bucket 2026-03-01T10:25:00Z – 2026-03-01T10:30:00Z.');
    expect(text).toContain(
      'Skipped the 1 least costly series (over signals.anomaly.maxSeries): tenant=tiny USD.',
    );
    expect(text).toContain('FAILED: unknown: query failed');
  });

  it('says so when there was nothing to write', () => {
    const text = formatSignalsTable({ atMs: AT, points: [], skippedSeries: [], errors: [] }, 'x');
    expect(text).toContain('Nothing to write');
    expect(text).toContain('Wrote 0 points.');
  });
});
