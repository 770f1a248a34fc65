import type { ReconcileAccountConfig } from '../config/types';
import { ExchangeRates } from '../pricing/fx';
import {
  ALL_ACCOUNTS,
  CurrencyConversionError,
  computeDrift,
  convertNano,
  driftPercent,
  driftRatio,
  matchAccount,
  type BilledDaySum,
  type ModelledDaySum,
} from './drift';

const DAY1 = Date.UTC(2026, 2, 1);
const DAY2 = Date.UTC(2026, 2, 2);
const NANO = 1_000_000_000n;

// 1 EUR = 1.08 USD from 2026-01-01, 1.1 USD from 2026-03-02 (the start of DAY2); 1 GBP = 1.25 USD.
const rates = new ExchangeRates('USD', [
  { currency: 'EUR', rate: '1.08', effectiveFrom: Date.UTC(2026, 0, 1) },
  { currency: 'EUR', rate: '1.1', effectiveFrom: DAY2 },
  { currency: 'GBP', rate: '1.25', effectiveFrom: Date.UTC(2026, 0, 1) },
]);

function bill(over: Partial<BilledDaySum> & { billedNano: bigint }): BilledDaySum {
  return {
    dayMs: DAY1,
    provider: 'AWS',
    account: '012345678901',
    currency: 'USD',
    charge: 'usage',
    team: '',
    ...over,
  };
}

function model(over: Partial<ModelledDaySum> & { amountNano: bigint }): ModelledDaySum {
  return { dayMs: DAY1, currency: 'USD', tags: {}, ...over };
}

describe('driftRatio', () => {
  it('is |billed − modelled| / |billed|, exactly', () => {
    expect(driftRatio(100n * NANO, 95_500_000_000n)!.toString()).toBe('0.045');
    expect(driftRatio(100n * NANO, 110n * NANO)!.toString()).toBe('0.1');
    expect(driftRatio(3n, 2n)!.toString()).toBe('0.3333333333333333333333333333333333333333');
    expect(driftRatio(-100n, -90n)!.toString()).toBe('0.1');
  });

  it('has no ratio when nothing was billed but something was modelled', () => {
    expect(driftRatio(0n, 1n)).toBeNull();
    expect(driftRatio(0n, 0n)!.toString()).toBe('0');
  });

  it('stays exact beyond 2^53 nano-units', () => {
    const billed = 2n ** 60n;
    const ratio = driftRatio(billed, billed - 1n)!;
    expect(ratio.isZero()).toBe(false); // a float difference would have been 0
    expect(ratio.times(billed.toString()).toString()).toBe('1');
  });

  it('formats as a percentage', () => {
    expect(driftPercent(driftRatio(100n * NANO, 95_500_000_000n)!)).toBe('4.50');
  });
});

describe('convertNano', () => {
  it('converts through the base currency at the day-start rate, rounding once', () => {
    expect(convertNano(100n * NANO, 'EUR', 'USD', DAY1, rates).nano).toBe(108n * NANO);
    expect(convertNano(100n * NANO, 'EUR', 'USD', DAY2, rates).nano).toBe(110n * NANO);
    // EUR → GBP: 1.08 / 1.25 = 0.864
    const eurGbp = convertNano(100n * NANO, 'EUR', 'GBP', DAY1, rates);
    expect(eurGbp.rate.toString()).toBe('0.864');
    expect(eurGbp.nano).toBe(86_400_000_000n);
    // USD → EUR: 1 / 1.08 is not a finite decimal: rounded half-even to the nano-unit once.
    expect(convertNano(1n * NANO, 'USD', 'EUR', DAY1, rates).nano).toBe(925_925_926n);
  });

  it('names both currencies and the day when a rate is missing', () => {
    expect(() => convertNano(1n, 'JPY', 'USD', DAY1, rates)).toThrow(CurrencyConversionError);
    expect(() => convertNano(1n, 'JPY', 'USD', DAY1, rates)).toThrow(
      /cannot convert JPY into USD for 2026-03-01: no exchange rate from JPY to USD/,
    );
  });
});

describe('computeDrift', () => {
  it('passes a 4.5% day and fails a 10% day at the default 5% threshold', () => {
    const report = computeDrift(
      [bill({ billedNano: 100n * NANO }), bill({ dayMs: DAY2, billedNano: 100n * NANO })],
      [model({ amountNano: 95_500_000_000n }), model({ dayMs: DAY2, amountNano: 90n * NANO })],
      { threshold: '0.05', rates },
    );
    expect(report.rows.map((r) => [r.dayMs, r.provider, r.account, r.ratio?.toString(), r.status])).toEqual([
      [DAY1, 'AWS', '012345678901', '0.045', 'ok'],
      [DAY2, 'AWS', '012345678901', '0.1', 'over'],
    ]);
    expect(report.exceeded).toBe(true);
    expect(report.daysOver).toEqual([DAY2]);
    expect(report.worst?.dayMs).toBe(DAY2);
    expect(report.hasProviderData).toBe(true);
  });

  it('passes a ratio equal to the threshold', () => {
    const report = computeDrift([bill({ billedNano: 100n })], [model({ amountNano: 95n })], {
      threshold: '0.05',
      rates,
    });
    expect(report.rows[0]!.status).toBe('ok');
    expect(report.exceeded).toBe(false);
  });

  it('compares only the configured charge categories, case-insensitively, and totals the rest', () => {
    const report = computeDrift(
      [
        bill({ billedNano: 100n * NANO, charge: 'Usage' }),
        bill({ billedNano: 20n * NANO, charge: 'tax' }),
        bill({ billedNano: -5n * NANO, charge: 'credit' }),
      ],
      [model({ amountNano: 100n * NANO })],
      { threshold: '0.01', rates },
    );
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]!.billedNano).toBe(100n * NANO);
    expect(report.rows[0]!.status).toBe('ok');
    expect(report.excludedBilled).toEqual([
      { charge: 'credit', currency: 'USD', billedNano: -5n * NANO },
      { charge: 'tax', currency: 'USD', billedNano: 20n * NANO },
    ]);
    const withTax = computeDrift(
      [bill({ billedNano: 100n * NANO }), bill({ billedNano: 20n * NANO, charge: 'tax' })],
      [model({ amountNano: 100n * NANO })],
      { threshold: '0.01', charges: ['usage', 'TAX'], rates },
    );
    expect(withTax.rows[0]!.billedNano).toBe(120n * NANO);
    expect(withTax.charges).toEqual(['usage', 'tax']);
  });

  it('converts modelled amounts into the billed currency and lists the conversion', () => {
    const report = computeDrift(
      [bill({ billedNano: 216n * NANO })],
      [model({ amountNano: 100n * NANO, currency: 'EUR' }), model({ amountNano: 108n * NANO })],
      { threshold: '0', rates },
    );
    const row = report.rows[0]!;
    expect(row.currency).toBe('USD');
    expect(row.modelledNano).toBe(216n * NANO);
    expect(row.ratio!.isZero()).toBe(true);
    expect(row.conversions).toHaveLength(1);
    expect(row.conversions[0]).toMatchObject({
      side: 'modelled',
      from: 'EUR',
      to: 'USD',
      amountNano: 100n * NANO,
      convertedNano: 108n * NANO,
    });
    expect(row.conversions[0]!.rate.toString()).toBe('1.08');
  });

  it('compares in a non-base billed currency, converting through the base', () => {
    const report = computeDrift(
      [bill({ billedNano: 100n * NANO, currency: 'EUR' })],
      [model({ amountNano: 110n * NANO, currency: 'USD' })],
      { threshold: '0.05', rates },
    );
    const row = report.rows[0]!;
    expect(row.currency).toBe('EUR');
    // 110 USD / 1.08 = 101.851851851851… EUR → 101.851851852
    expect(row.modelledNano).toBe(101_851_851_852n);
    expect(driftPercent(row.ratio!)).toBe('1.85');
  });

  it('compares bills in several currencies in the base currency', () => {
    const report = computeDrift(
      [
        bill({ billedNano: 100n * NANO, currency: 'EUR' }),
        bill({ billedNano: 100n * NANO, currency: 'USD', account: 'other' }),
      ],
      [model({ amountNano: 208n * NANO })],
      { threshold: '0', rates },
    );
    expect(report.rows[0]).toMatchObject({
      provider: ALL_ACCOUNTS,
      account: ALL_ACCOUNTS,
      currency: 'USD',
      billedNano: 208n * NANO,
      status: 'ok',
    });
    expect(report.rows[0]!.conversions.map((c) => `${c.side} ${c.from}→${c.to}`)).toEqual(['billed EUR→USD']);
  });

  it('marks a day with telemetry but no bill as "no bill", which exceeds', () => {
    const report = computeDrift(
      [bill({ billedNano: 100n * NANO })],
      [model({ amountNano: 100n * NANO }), model({ dayMs: DAY2, amountNano: 3n * NANO })],
      { threshold: '0.05', rates },
    );
    expect(report.rows[1]).toMatchObject({
      dayMs: DAY2,
      provider: ALL_ACCOUNTS,
      account: ALL_ACCOUNTS,
      billedNano: 0n,
      modelledNano: 3n * NANO,
      ratio: null,
      status: 'no bill',
    });
    expect(report.exceeded).toBe(true);
    expect(report.worst).toBe(report.rows[1]);
  });

  it('without account rules: labels a day with its only account, else "*"', () => {
    const report = computeDrift(
      [
        bill({ billedNano: 60n * NANO, account: 'a' }),
        bill({ billedNano: 40n * NANO, account: 'b' }),
        bill({ dayMs: DAY2, billedNano: 100n * NANO, account: 'a' }),
      ],
      [model({ amountNano: 100n * NANO }), model({ dayMs: DAY2, amountNano: 100n * NANO })],
      { threshold: '0.05', rates },
    );
    expect(report.rows.map((r) => `${r.provider}/${r.account} ${r.billedNano / NANO}`)).toEqual([
      '*/* 100',
      'AWS/a 100',
    ]);
  });

  it('with account rules: maps telemetry by cost tags, first rule wins, and reports the rest', () => {
    const accounts: ReconcileAccountConfig[] = [
      { provider: 'AWS', account: 'prod', match: { env: 'prod' } },
      { provider: 'AWS', account: 'prod', match: { service: 'batch' } },
      { provider: 'GCP', account: 'proj-1', match: { region: 'europe-west1' } },
    ];
    expect(matchAccount({ env: 'prod', region: 'europe-west1' }, accounts)?.account).toBe('prod');
    expect(matchAccount({ env: 'dev' }, accounts)).toBeUndefined();
    const report = computeDrift(
      [
        bill({ billedNano: 100n * NANO, account: 'prod' }),
        bill({ billedNano: 50n * NANO, provider: 'GCP', account: 'proj-1' }),
        bill({ billedNano: 7n * NANO, account: 'sandbox' }),
      ],
      [
        model({ amountNano: 90n * NANO, tags: { env: 'prod', service: 'api', region: 'europe-west1' } }),
        model({ amountNano: 10n * NANO, tags: { env: 'dev', service: 'batch', region: '' } }),
        model({ amountNano: 50n * NANO, tags: { env: 'dev', service: 'api', region: 'europe-west1' } }),
        model({ amountNano: 4n * NANO, tags: { env: 'dev', service: 'api', region: 'us-east1' } }),
      ],
      { threshold: '0.05', accounts, rates },
    );
    expect(report.rows.map((r) => [`${r.provider}/${r.account}`, r.billedNano, r.modelledNano])).toEqual([
      ['AWS/prod', 100n * NANO, 100n * NANO],
      ['GCP/proj-1', 50n * NANO, 50n * NANO],
    ]);
    expect(report.unmatchedModelled).toEqual([{ dayMs: DAY1, currency: 'USD', amountNano: 4n * NANO }]);
    expect(report.unmappedBilled).toEqual([
      { dayMs: DAY1, provider: 'AWS', account: 'sandbox', currency: 'USD', billedNano: 7n * NANO },
    ]);
    expect(report.exceeded).toBe(false);
  });

  it('adds team rows where both sides have the same known team', () => {
    const report = computeDrift(
      [
        bill({ billedNano: 60n * NANO, team: 'payments' }),
        bill({ billedNano: 30n * NANO, team: 'search' }),
        bill({ billedNano: 10n * NANO, team: 'unknown' }),
      ],
      [
        model({ amountNano: 50n * NANO, tags: { team: 'payments' } }),
        model({ amountNano: 40n * NANO, tags: { team: 'unknown' } }),
        model({ amountNano: 10n * NANO, tags: { team: 'data' } }),
      ],
      { threshold: '0.05', rates },
    );
    expect(report.rows.map((r) => [r.team, r.billedNano / NANO, r.modelledNano / NANO, r.status])).toEqual([
      ['', 100n, 100n, 'ok'],
      ['payments', 60n, 50n, 'over'],
    ]);
    expect(report.exceeded).toBe(true);
    expect(report.daysOver).toEqual([DAY1]);
  });

  it('reports no provider data, and throws on a currency it cannot convert', () => {
    const none = computeDrift([], [model({ amountNano: 1n })], { threshold: '0.05', rates });
    expect(none.hasProviderData).toBe(false);
    expect(none.rows[0]!.status).toBe('no bill');
    expect(() =>
      computeDrift([bill({ billedNano: 1n })], [model({ amountNano: 1n, currency: 'JPY' })], {
        threshold: '0.05',
        rates,
      }),
    ).toThrow(/reconcile 2026-03-01 AWS\/012345678901: modelled amounts are in JPY, the row compares in USD/);
    expect(() => computeDrift([], [], { threshold: '-1', rates })).toThrow(/non-negative/);
    expect(() => computeDrift([], [], { threshold: 'abc', rates })).toThrow(/non-negative/);
  });
});
