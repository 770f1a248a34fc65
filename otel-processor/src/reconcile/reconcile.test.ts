import { ExchangeRates, computeDrift, type BilledDaySum, type ModelledDaySum } from '@meterline/cost-model';
import { parseUtcDate, UsageError, type CommandIo } from './command-io';
import { runReconcileCommand } from './command';
import { driftJson, formatDriftTable, printable } from './output';
import { modelledGroupKeys } from './query';
import { driftSignalLines } from './signals';

const DAY1 = Date.UTC(2026, 2, 1);
const DAY2 = Date.UTC(2026, 2, 2);
const RANGE = { fromMs: DAY1, toMs: DAY2 + 86_400_000 };
const NANO = 1_000_000_000n;
const rates = new ExchangeRates('USD', [{ currency: 'EUR', rate: '1.08', effectiveFrom: 0 }]);

function bill(dayMs: number, billedNano: bigint, over: Partial<BilledDaySum> = {}): BilledDaySum {
  return {
    dayMs,
    provider: 'AWS',
    account: '012345678901',
    currency: 'USD',
    charge: 'usage',
    team: '',
    billedNano,
    ...over,
  };
}
function model(dayMs: number, amountNano: bigint, over: Partial<ModelledDaySum> = {}): ModelledDaySum {
  return { dayMs, currency: 'USD', tags: { team: '' }, amountNano, ...over };
}

const report = computeDrift(
  [
    bill(DAY1, 100n * NANO),
    bill(DAY1, 7n * NANO, { charge: 'tax' }),
    bill(DAY2, 100n * NANO, { team: 'payments' }),
  ],
  [
    model(DAY1, 95_500_000_000n),
    model(DAY2, 50n * NANO, { currency: 'EUR', tags: { team: 'payments' } }),
    model(DAY2, 36n * NANO, { tags: { team: '' } }),
  ],
  { threshold: '0.05', rates },
);

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

describe('reconcile output', () => {
  it('prints an aligned table with exact amounts, conversions, left-out charges and the verdict', () => {
    const text = formatDriftTable(report, RANGE);
    const lines = text.split('\n');
    const header = lines.find((l) => l.startsWith('day'))!;
    const row1 = lines.find((l) => l.startsWith('2026-03-01'))!;
    const row2 = lines.filter((l) => l.startsWith('2026-03-02'));
    expect(header).toMatch(/^day\s+provider\/account\s+team\s+billed\s+modelled\s+drift %\s+status$/);
    expect(row1).toMatch(
      /^2026-03-01 {2}AWS\/012345678901 +100\.000000000 USD {2}95\.500000000 USD +4\.50 {2}ok$/,
    );
    // Day 2: 50 EUR = 54 USD, plus 36 USD, against 100 USD billed → 10% over; the team row 46% over.
    expect(row2[0]).toMatch(/100\.000000000 USD {2}90\.000000000 USD +10\.00 {2}over$/);
    expect(row2[1]).toMatch(/payments +100\.000000000 USD {2}54\.000000000 USD +46\.00 {2}over$/);
    // Columns line up: every "USD" of the billed column ends at the same offset.
    expect(new Set([row1, ...row2].map((l) => l.indexOf(' USD')))).toEqual(new Set([row1.indexOf(' USD')]));
    expect(text).toContain('modelled 50.000000000 EUR converted to 54.000000000 USD at 1.08');
    expect(text).toContain('not compared: tax charges of 7.000000000 USD');
    expect(text).toContain(
      'DRIFT: 2 of 3 rows over the threshold of 5.00% on 1 day (worst: AWS/012345678901 team payments, 46.00% on 2026-03-02).',
    );
  });

  it('prints JSON with exact decimal strings', () => {
    const json = driftJson(report, RANGE) as {
      rows: Record<string, unknown>[];
      to: string;
      exceeded: boolean;
    };
    expect(json.to).toBe('2026-03-02');
    expect(json.exceeded).toBe(true);
    expect(json.rows[0]).toEqual({
      day: '2026-03-01',
      provider: 'AWS',
      account: '012345678901',
      currency: 'USD',
      billed: '100.000000000',
      billedNano: '100000000000',
      modelled: '95.500000000',
      modelledNano: '95500000000',
      driftRatio: '0.045',
      driftPercent: '4.50',
      status: 'ok',
      conversions: [],
    });
    expect(() => JSON.stringify(json)).not.toThrow(); // no bigint left
  });

  it('shows control characters from tag values instead of sending them to the terminal', () => {
    expect(printable('a\u001b[31mred\r\n')).toBe('a\\x1b[31mred\\x0d\\x0a');
    expect(printable('plain – ünïcode')).toBe('plain – ünïcode');
  });
});

describe('drift cost_signal points', () => {
  it('writes one point per row at the day start, value omitted when there is no bill', () => {
    const noBill = computeDrift([], [model(DAY1, 5n)], { threshold: '0.05', rates });
    expect(driftSignalLines([...report.rows, ...noBill.rows])).toEqual([
      'cost_signal,account=012345678901,currency=USD,provider=AWS,signal=drift_ratio,window=1d value=0.045,billed_nano=100000000000i,modelled_nano=95500000000i,no_bill=false ' +
        DAY1,
      'cost_signal,account=012345678901,currency=USD,provider=AWS,signal=drift_ratio,window=1d value=0.1,billed_nano=100000000000i,modelled_nano=90000000000i,no_bill=false ' +
        DAY2,
      'cost_signal,account=012345678901,currency=USD,provider=AWS,signal=drift_ratio,team=payments,window=1d value=0.46,billed_nano=100000000000i,modelled_nano=54000000000i,no_bill=false ' +
        DAY2,
      `cost_signal,account=*,currency=USD,provider=*,signal=drift_ratio,window=1d billed_nano=0i,modelled_nano=5i,no_bill=true ${DAY1}`,
    ]);
  });

  it('escapes hostile provider, account and team values', () => {
    const hostile = computeDrift(
      [bill(DAY1, 1n, { provider: 'a,b=c d', account: 'x\ny', team: 't e' })],
      [model(DAY1, 1n, { tags: { team: 't e' } })],
      { threshold: '0', rates },
    );
    const [line, teamLine] = driftSignalLines(hostile.rows);
    expect(line).toContain('account=x\\ny,currency=USD,provider=a\\,b\\=c\\ d,');
    expect(teamLine).toContain('team=t\\ e,');
  });
});

describe('reconcile command arguments', () => {
  it('parses UTC dates strictly, naming the option', () => {
    expect(parseUtcDate('--from', '2026-03-01')).toBe(DAY1);
    expect(() => parseUtcDate('--from', '2026-02-30')).toThrow(
      '--from: expected YYYY-MM-DD, got "2026-02-30"',
    );
    expect(() => parseUtcDate('--to', '2026-3-1')).toThrow(UsageError);
    expect(() => parseUtcDate('--to', undefined)).toThrow('--to DATE is required');
  });

  it('groups modelled cost by team and the tags account rules use', () => {
    expect(
      modelledGroupKeys([
        { provider: 'AWS', account: 'a', match: { service: 'x', env: 'prod' } },
        { provider: 'AWS', account: 'b', match: { currency: 'USD', env: 'dev' } },
      ]),
    ).toEqual(['env', 'service', 'team']);
  });

  it.each([
    [['--from', '2026-03-01'], /--to DATE is required/],
    [['--from', '2026-03-05', '--to', '2026-03-01'], /--to: 2026-03-01 is before --from 2026-03-05/],
    [
      ['--from', '2026-03-01', '--to', '2026-03-01', '--threshold', '5%'],
      /--threshold: expected a non-negative decimal/,
    ],
    [['--from', '2026-03-01', '--to', '2026-03-01', '--bogus'], /Unknown option '--bogus'/],
    [
      ['--from', '2026-03-01', '--to', '2026-03-01', '--config', '/nonexistent/meterline.yaml'],
      /cannot read/,
    ],
  ])('exits 2 on %j with a message naming the input', async (argv, message) => {
    const io = capture();
    expect(await runReconcileCommand(argv, io)).toBe(2);
    expect(io.err.join('')).toMatch(message);
    expect(io.out).toEqual([]);
  });

  it('prints its help', async () => {
    const io = capture();
    expect(await runReconcileCommand(['--help'], io)).toBe(0);
    expect(io.out.join('')).toContain('Usage: meterline reconcile --from DATE --to DATE');
  });
});
