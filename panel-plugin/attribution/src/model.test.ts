import { FieldType, toDataFrame } from '@grafana/data';
import { checkFrames } from '@meterline/panel-shared';
import { buildModel, choosePrimary, REQUIREMENTS, resourceOf, statusOf } from './model';
import { FROM, ratioFrames, sourcesFrames, type TelemetrySource } from './testing';
import { DEFAULT_OPTIONS, type AttributionOptions } from './types';

const MIN = 60_000;
const opts = (over: Partial<AttributionOptions> = {}): AttributionOptions => ({
  ...DEFAULT_OPTIONS,
  ...over,
});

// Unknown USD spend: 6 + 3 + 1 = 10 USD, so shares are 60%, 30% and 10%.
const TELEMETRY: TelemetrySource[] = [
  { service: 'image-resizer', sku: 'egress.gb', region: 'us-east-1', nano: 3_000_000_000 },
  { service: 'legacy-cron', sku: 'compute.gb_s', region: 'eu-west-1', nano: 6_000_000_000 },
];
const EXPORTS = [
  { provider: 'aws', account: '0012', service: 'S3', sku: 'storage.gb', region: 'eu', nano: 1_000_000_000 },
];

describe('statusOf', () => {
  it('over above the target, within at or below it, credit below zero, none without a ratio', () => {
    expect(statusOf(0.073, 0.05)).toBe('over');
    expect(statusOf(0.05, 0.05)).toBe('within'); // the alert fires only above 0.05
    expect(statusOf(0, 0.05)).toBe('within');
    expect(statusOf(-0.911, 0.05)).toBe('credit');
    expect(statusOf(undefined, 0.05)).toBe('none');
    expect(statusOf(NaN, 0.05)).toBe('none');
  });
});

describe('buildModel', () => {
  it('normal: the latest ratio, its trend, and the sources costliest first with their shares', () => {
    const frames = [
      ...ratioFrames({ USD: [0.031, null, 0.042, 0.073] }),
      ...sourcesFrames(TELEMETRY, EXPORTS),
    ];
    expect(checkFrames(frames, REQUIREMENTS)).toEqual({ state: 'ok' });
    const m = buildModel(frames, opts());
    expect(m.target).toBe(0.05);
    expect(m.primary).toMatchObject({ currency: 'USD', latest: 0.073, status: 'over' });
    // The null bucket is a gap, not a point.
    expect(m.primary!.points).toEqual([
      { time: FROM, value: 0.031 },
      { time: FROM + 2 * MIN, value: 0.042 },
      { time: FROM + 3 * MIN, value: 0.073 },
    ]);
    const rows = m.sources!.rows;
    expect(rows.map((r) => r.service)).toEqual(['legacy-cron', 'image-resizer', 'S3']);
    expect(rows.map((r) => r.amount)).toEqual([6, 3, 1]);
    expect(rows.map((r) => r.share)).toEqual([0.6, 0.3, 0.1]);
    expect(rows.map((r) => r.resource)).toEqual(['eu-west-1', 'us-east-1', 'aws / 0012 · eu']);
    expect(rows.map((r) => r.source)).toEqual(['telemetry', 'telemetry', 'export']);
    expect(m.sources).toMatchObject({ total: 3, multiCurrency: false });
  });

  it('threshold: within target below it, over it once above', () => {
    expect(buildModel(ratioFrames({ USD: [0.07, 0.049] }), opts()).primary?.status).toBe('within');
    expect(buildModel(ratioFrames({ USD: [0.07, 0.049] }), opts({ targetPercent: 4 })).primary?.status).toBe(
      'over',
    );
  });

  it('only the ratio: no table; only the table: no ratio', () => {
    const ratioOnly = buildModel(ratioFrames({ USD: [0.01] }), opts());
    expect(ratioOnly.sources).toBeUndefined();
    expect(ratioOnly.primary?.latest).toBe(0.01);
    const tableOnly = buildModel(sourcesFrames(TELEMETRY), opts());
    expect(tableOnly.primary).toBeUndefined();
    expect(tableOnly.sources?.rows).toHaveLength(2);
  });

  it('several currencies: the one furthest over target, unless one is chosen', () => {
    const frames = ratioFrames({ EUR: [0.08], GBP: [-0.911], USD: [0.02] });
    const m = buildModel(frames, opts());
    expect(m.ratios.map((r) => r.currency)).toEqual(['EUR', 'GBP', 'USD']);
    expect(m.primary?.currency).toBe('EUR');
    expect(m.ratios.find((r) => r.currency === 'GBP')?.status).toBe('credit');
    expect(buildModel(frames, opts({ currency: 'USD' })).primary?.currency).toBe('USD');
    // A currency no series has: back to the furthest over target.
    expect(buildModel(frames, opts({ currency: 'JPY' })).primary?.currency).toBe('EUR');
  });

  it('two ratio queries of one currency: the first one counts', () => {
    const frames = [...ratioFrames({ USD: [0.02] }), ...ratioFrames({ USD: [0.09] })];
    expect(buildModel(frames, opts()).ratios).toHaveLength(1);
    expect(buildModel(frames, opts()).primary?.latest).toBe(0.02);
  });

  it('zero total: a ratio of NaN or Infinity is no ratio, never a number; no share of a zero total', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'Time', type: FieldType.time, values: [FROM, FROM + MIN, FROM + 2 * MIN] },
        {
          name: 'unknown ratio',
          type: FieldType.number,
          values: [NaN, Infinity, null],
          labels: { currency: 'USD' },
        },
      ],
    });
    const m = buildModel([frame], opts());
    expect(m.primary).toMatchObject({ currency: 'USD', latest: undefined, status: 'none', points: [] });
    // Unknown charges and credits cancelling out: the data source has no share for them.
    const cancel = buildModel(
      sourcesFrames([
        { service: 'a', sku: 's', nano: 1_000_000_000 },
        { service: 'b', sku: 's', nano: -1_000_000_000 },
      ]),
      opts(),
    );
    expect(cancel.sources?.rows.map((r) => [r.amount, r.share])).toEqual([
      [1, null],
      [-1, null],
    ]);
  });

  it('negative spend: credits rank last with a negative amount and share; a negative ratio is a credit', () => {
    const m = buildModel(
      [
        ...ratioFrames({ GBP: [0.01, -0.2] }),
        ...sourcesFrames([
          { service: 'storage', sku: 'gcs', nano: 1_500_000_000, currency: 'GBP' },
          { service: 'trial', sku: 'credit', nano: -500_000_000, currency: 'GBP' },
        ]),
      ],
      opts(),
    );
    expect(m.primary).toMatchObject({ latest: -0.2, status: 'credit' });
    // Unknown GBP total: 1.5 − 0.5 = 1.0.
    expect(m.sources?.rows.map((r) => [r.service, r.amount, r.share])).toEqual([
      ['storage', 1.5, 1.5],
      ['trial', -0.5, -0.5],
    ]);
  });

  it('many series: 100 sources, the top N shown, and how many there were', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({
      service: `svc-${String(i).padStart(3, '0')}`,
      sku: 'requests',
      nano: (i + 1) * 1_000_000,
    }));
    const m = buildModel(sourcesFrames(many, [], 100), opts({ topN: 10 }));
    expect(m.sources?.total).toBe(100);
    expect(m.sources?.rows.map((r) => r.service)).toEqual(
      Array.from({ length: 10 }, (_, i) => `svc-${String(99 - i).padStart(3, '0')}`),
    );
    // 100 × 101 / 2 = 5050 milli-units in all; the top one is 100 of them.
    expect(m.sources?.rows[0]!.share).toBeCloseTo(100 / 5050, 12);
  });

  it("another query's table: found by name, ranked, shares computed per currency", () => {
    // The runbook's query: SUM("amount_nano") / 1e9 AS "unknown" … GROUP BY service, sku, region, currency.
    const frame = toDataFrame({
      fields: [
        { name: 'service', type: FieldType.string, values: ['a', 'b', 'c', 'a'] },
        { name: 'sku', type: FieldType.string, values: ['x', 'y', 'z', 'x'] },
        { name: 'currency', type: FieldType.string, values: ['usd', 'USD', 'EUR', 'usd'] },
        { name: 'unknown', type: FieldType.number, values: [1, 3, 2, null] },
      ],
    });
    const m = buildModel([frame], opts());
    const rows = m.sources!.rows;
    expect(rows.map((r) => [r.service, r.currency, r.amount, r.share])).toEqual([
      ['b', 'USD', 3, 0.75],
      ['c', 'EUR', 2, 1],
      ['a', 'USD', 1, 0.25],
      ['a', 'USD', null, null],
    ]);
    expect(m.sources!.multiCurrency).toBe(true);
    // The repeated group still has a unique key.
    expect(new Set(rows.map((r) => r.key)).size).toBe(4);
  });

  it('a ratio frame without a time field: points in order', () => {
    const frame = toDataFrame({
      fields: [{ name: 'unknown_ratio', type: FieldType.number, values: [0.01, 0.02] }],
    });
    expect(buildModel([frame], opts()).primary).toMatchObject({
      currency: '',
      points: [
        { time: 0, value: 0.01 },
        { time: 1, value: 0.02 },
      ],
    });
  });
});

describe('checkFrames with these requirements', () => {
  it('no data for no frames or empty ones; wrong frames name the missing fields', () => {
    expect(checkFrames([], REQUIREMENTS)).toEqual({ state: 'no-data' });
    expect(checkFrames(sourcesFrames([]), REQUIREMENTS)).toEqual({ state: 'no-data' });
    const spend = toDataFrame({
      fields: [
        { name: 'Time', type: FieldType.time, values: [FROM] },
        { name: 'amount', type: FieldType.number, values: [1] },
      ],
    });
    const check = checkFrames([spend], REQUIREMENTS);
    expect(check.state).toBe('wrong-frames');
    expect(check.state === 'wrong-frames' && check.missing.map((r) => r.description)).toEqual([
      '"unknown ratio" (number, a series per currency label)',
    ]);
  });
});

describe('helpers', () => {
  it('resourceOf: region for telemetry, provider / account · region for exports', () => {
    expect(resourceOf({ provider: '', account: '', region: 'eu-west-1' })).toBe('eu-west-1');
    expect(resourceOf({ provider: 'Google Cloud', account: 'payments-prod-4711', region: '' })).toBe(
      'Google Cloud / payments-prod-4711',
    );
    expect(resourceOf({ provider: '', account: '', region: '' })).toBe('');
  });

  it('choosePrimary: no ratios, nothing; series without a value rank last', () => {
    expect(choosePrimary([], '')).toBeUndefined();
    const frames = ratioFrames({ EUR: [null], USD: [0.01] });
    // EUR's only bucket is empty: the data source drops an empty series, so only USD is left.
    expect(buildModel(frames, opts()).primary?.currency).toBe('USD');
  });
});
