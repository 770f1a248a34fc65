import { parse } from 'csv-parse/sync';
import {
  LINE_ITEM_COLUMNS,
  buildLineItems,
  csvCell,
  lineItemsCsv,
  quantityText,
  seriesKeyOf,
  type LineItemContext,
} from './line-items';
import { parsePeriod } from './period';
import { exemplarPickKey, type CostDaySum } from './query';

const period = parsePeriod('2026-03');
const DAY1 = Date.UTC(2026, 2, 1);
const DAY2 = Date.UTC(2026, 2, 2);

const baseTags = {
  source: 'telemetry',
  tenant: 'acme',
  team: 'payments',
  center: 'cc-100',
  service: 'checkout',
  version: '1.4.2',
  sku: 'api.requests',
  env: 'prod',
  region: 'eu-west-1',
  attribution: 'rule',
  currency: 'USD',
};

function sum(over: Partial<CostDaySum> = {}): CostDaySum {
  return {
    dayMs: DAY1,
    tags: baseTags,
    priceVersion: 'req-2026',
    amountNano: 1_234_567_890_123n,
    quantity: 0.1 + 0.2,
    events: 3n,
    ...over,
  };
}

const ctx: LineItemContext = {
  unitOf: (sku) => (sku === 'api.requests' ? 'request' : undefined),
  unitPriceOf: (v) => (v === 'req-2026' ? '0.0000004' : undefined),
  exemplars: new Map([
    [exemplarPickKey(DAY1, 'checkout', 'acme', 'api.requests'), { traceId: 'abc123', amountNano: 5n }],
  ]),
};

describe('csvCell', () => {
  it('quotes per RFC 4180 only when needed, doubling quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\r')).toBe('"cr\r"');
    expect(csvCell('')).toBe('');
  });

  it('guards against formula injection but leaves numbers alone', () => {
    expect(csvCell('=cmd|" /C calc"!A0')).toBe(`"'=cmd|"" /C calc""!A0"`);
    expect(csvCell('+1+1')).toBe("'+1+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('-1.500000000')).toBe('-1.500000000');
    expect(csvCell('+3')).toBe('+3');
    expect(csvCell('1e-9')).toBe('1e-9');
    expect(csvCell('a=b')).toBe('a=b'); // only a leading character starts a formula
  });
});

describe('line items', () => {
  it('keeps the series key as InfluxDB prints it, tags sorted and escaped', () => {
    expect(seriesKeyOf('cost', { team: 'a b', currency: 'USD', env: '', region: 'x,y=z' })).toBe(
      'cost,currency=USD,region=x\\,y\\=z,team=a\\ b',
    );
  });

  it('prints exact money, FOCUS columns and Meterline columns', () => {
    const items = buildLineItems([sum()], ctx);
    const csv = lineItemsCsv(items, period);
    const [header, row] = parse(csv, { relax_column_count: false }) as string[][];
    expect(header).toEqual([...LINE_ITEM_COLUMNS]);
    const cell = (name: (typeof LINE_ITEM_COLUMNS)[number]): string => row![LINE_ITEM_COLUMNS.indexOf(name)]!;
    expect(cell('BillingPeriodStart')).toBe('2026-03-01T00:00:00Z');
    expect(cell('BillingPeriodEnd')).toBe('2026-04-01T00:00:00Z');
    expect(cell('ChargePeriodStart')).toBe('2026-03-01T00:00:00Z');
    expect(cell('ChargePeriodEnd')).toBe('2026-03-02T00:00:00Z');
    expect(cell('ChargeCategory')).toBe('Usage');
    expect(cell('BilledCost')).toBe('1234.567890123');
    expect(cell('EffectiveCost')).toBe('1234.567890123');
    expect(cell('BillingCurrency')).toBe('USD');
    expect(cell('PricingQuantity')).toBe('0.3'); // not 0.30000000000000004
    expect(cell('PricingUnit')).toBe('request');
    expect(cell('ListUnitPrice')).toBe('0.0000004');
    expect(cell('SkuId')).toBe('api.requests');
    expect(cell('ServiceName')).toBe('checkout');
    expect(cell('RegionId')).toBe('eu-west-1');
    expect(cell('x_Tenant')).toBe('acme');
    expect(cell('x_CostCenter')).toBe('cc-100');
    expect(cell('x_PriceVersion')).toBe('req-2026');
    expect(cell('x_ExemplarTraceId')).toBe('abc123');
    expect(cell('x_Events')).toBe('3');
    expect(cell('x_Meter')).toBe(
      'cost,attribution=rule,center=cc-100,currency=USD,env=prod,region=eu-west-1,service=checkout,sku=api.requests,source=telemetry,team=payments,tenant=acme,version=1.4.2',
    );
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.split('\r\n')).toHaveLength(3);
  });

  it('orders lines by day, meter and price version whatever the input order', () => {
    const a = sum({ dayMs: DAY2 });
    const b = sum({ priceVersion: 'z-later' });
    const c = sum({ tags: { ...baseTags, tenant: 'globex' } });
    const d = sum();
    const one = lineItemsCsv(buildLineItems([a, b, c, d], ctx), period);
    const two = lineItemsCsv(buildLineItems([d, c, b, a], ctx), period);
    expect(one).toBe(two);
    const rows = (parse(one) as string[][]).slice(1);
    const at = (name: string): number =>
      LINE_ITEM_COLUMNS.indexOf(name as (typeof LINE_ITEM_COLUMNS)[number]);
    expect(rows.map((r) => [r[at('ChargePeriodStart')], r[at('x_Tenant')], r[at('x_PriceVersion')]])).toEqual(
      [
        ['2026-03-01T00:00:00Z', 'acme', 'req-2026'],
        ['2026-03-01T00:00:00Z', 'acme', 'z-later'],
        ['2026-03-01T00:00:00Z', 'globex', 'req-2026'],
        ['2026-03-02T00:00:00Z', 'acme', 'req-2026'],
      ],
    );
  });

  it('round-trips hostile tag values through a CSV parser, with formula cells defused', () => {
    const hostile = {
      ...baseTags,
      tenant: '=HYPERLINK("http://evil","x")',
      team: 'a,"b"\nc',
      service: '<script>alert(1)</script>',
      center: '@cmd',
    };
    const csv = lineItemsCsv(buildLineItems([sum({ tags: hostile })], ctx), period);
    const [, row] = parse(csv) as string[][];
    const at = (name: string): number =>
      LINE_ITEM_COLUMNS.indexOf(name as (typeof LINE_ITEM_COLUMNS)[number]);
    expect(row![at('x_Tenant')]).toBe(`'=HYPERLINK("http://evil","x")`);
    expect(row![at('x_Team')]).toBe('a,"b"\nc');
    expect(row![at('ServiceName')]).toBe('<script>alert(1)</script>');
    expect(row![at('x_CostCenter')]).toBe("'@cmd");
    expect(row).toHaveLength(LINE_ITEM_COLUMNS.length);
  });

  it('leaves unit, unit price and exemplar empty when unknown', () => {
    const items = buildLineItems([sum({ tags: { ...baseTags, sku: 'mystery' }, priceVersion: '' })], ctx);
    expect(items[0]).toMatchObject({ unit: '', unitPrice: '', exemplarTraceId: '' });
  });

  it('formats quantities as plain decimals', () => {
    expect(quantityText(1e-7)).toBe('0.0000001');
    expect(quantityText(1e21)).toBe('1000000000000000000000');
    expect(quantityText(0)).toBe('0');
    expect(quantityText(-2.5)).toBe('-2.5');
  });
});
