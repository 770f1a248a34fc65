import { join } from 'node:path';
import { RowError, type Charge } from '../charge';
import { azureFormat } from './azure';
import { checkFixture, expectedOf, readFixtureCsv, type FixtureTable } from './oracle.fixture';

const FIXTURES = join(__dirname, '../../../../test/fixtures/exports/azure');
const DAY = 86_400_000;

const ea = readFixtureCsv(join(FIXTURES, 'ea-actual.csv'));
const mca = readFixtureCsv(join(FIXTURES, 'mca-amortized.csv'));

/** The fixture record starting on `line`. */
function recordAt(table: FixtureTable, line: number): (string | undefined)[] {
  const r = table.records.find((x) => x.line === line);
  if (r === undefined) throw new Error(`no record on line ${line}`);
  return r.values;
}

/** An EA-style header and rows built from a base record with some cells overridden. */
const HEADER = [
  'BillingAccountId',
  'BillingAccountName',
  'SubscriptionId',
  'SubscriptionName',
  'Date',
  'BillingPeriodStartDate',
  'BillingPeriodEndDate',
  'MeterCategory',
  'ConsumedService',
  'MeterId',
  'MeterName',
  'ProductName',
  'ResourceLocation',
  'MeterRegion',
  'ResourceId',
  'Quantity',
  'UnitOfMeasure',
  'CostInBillingCurrency',
  'BillingCurrency',
  'PricingCurrency',
  'ExchangeRatePricingToBilling',
  'PaygCostInBillingCurrency',
  'PayGPrice',
  'UnitPrice',
  'ChargeType',
  'PricingModel',
  'PublisherName',
  'Tags',
];
const BASE: Record<string, string> = {
  BillingAccountId: '00123456',
  BillingAccountName: 'Contoso Enrollment',
  SubscriptionId: '00c0ffee-0000-4000-8000-000000000001',
  SubscriptionName: 'Payments',
  Date: '06/10/2024',
  BillingPeriodStartDate: '06/01/2024',
  BillingPeriodEndDate: '06/30/2024',
  MeterCategory: 'Virtual Machines',
  ConsumedService: 'Microsoft.Compute',
  MeterId: '0c5e9a1f-7b1a-4c55-9a41-0000000000d4',
  MeterName: 'D4s v5',
  ProductName: 'Virtual Machines Dv5 Series - D4s v5 - US East',
  ResourceLocation: 'eastus',
  MeterRegion: 'US East',
  ResourceId: '/subscriptions/00c0ffee-0000-4000-8000-000000000001/resourceGroups/rg/providers/x/y',
  Quantity: '24',
  UnitOfMeasure: '1 Hour',
  CostInBillingCurrency: '2.304',
  BillingCurrency: 'USD',
  PricingCurrency: '',
  ExchangeRatePricingToBilling: '',
  PaygCostInBillingCurrency: '',
  PayGPrice: '0.192',
  UnitPrice: '0.096',
  ChargeType: 'Usage',
  PricingModel: 'On Demand',
  PublisherName: 'Microsoft',
  Tags: '{"team": "payments","env": "prod"}',
};
const actual = azureFormat.compile(HEADER, {});
const amortized = azureFormat.compile(HEADER, { azureCostType: 'amortized' });
type Mapper = typeof actual;
function mapRow(
  cells: Record<string, string | undefined> = {},
  mapper: Mapper = actual,
): ReturnType<Mapper['map']> {
  const row = { ...BASE, ...cells };
  return mapper.map(HEADER.map((h) => row[h]));
}
function rowError(cells: Record<string, string | undefined>, mapper: Mapper = actual): RowError {
  try {
    mapRow(cells, mapper);
  } catch (err) {
    if (err instanceof RowError) return err;
    throw err;
  }
  throw new Error('expected a RowError');
}
function costs(c: Charge): Pick<Charge, 'billedCost' | 'effectiveCost' | 'listCost' | 'contractedCost'> {
  return {
    billedCost: c.billedCost,
    effectiveCost: c.effectiveCost,
    listCost: c.listCost,
    contractedCost: c.contractedCost,
  };
}

describe('azureFormat.detect', () => {
  it('names EA and MCA files and their header style', () => {
    expect(azureFormat.detect(ea.columns)).toEqual({ ok: true, variant: 'Azure EA (PascalCase)' });
    expect(azureFormat.detect(mca.columns)).toEqual({ ok: true, variant: 'Azure MCA (camelCase)' });
  });

  it('recognises the older pay-as-you-go usage file', () => {
    const legacy = [
      'SubscriptionGuid',
      'ResourceGroup',
      'ResourceLocation',
      'UsageDateTime',
      'MeterCategory',
      'MeterSubCategory',
      'MeterId',
      'MeterName',
      'MeterRegion',
      'UsageQuantity',
      'ResourceRate',
      'PreTaxCost',
      'ConsumedService',
      'ResourceType',
      'InstanceId',
      'Tags',
      'OfferId',
      'AdditionalInfo',
      'ServiceInfo1',
      'ServiceInfo2',
      'ServiceName',
      'ServiceTier',
      'Currency',
      'UnitOfMeasure',
    ];
    expect(azureFormat.detect(legacy)).toEqual({
      ok: true,
      variant: 'Azure pay-as-you-go legacy (PascalCase)',
    });
  });

  it('matches names case-insensitively and despite a BOM left on the first column', () => {
    const columns = HEADER.map((c) => c.toLowerCase());
    columns[0] = `\uFEFF${columns[0]}`;
    // PricingCurrency, ExchangeRatePricingToBilling and PaygCostInBillingCurrency are MCA's.
    expect(azureFormat.detect(columns)).toEqual({ ok: true, variant: 'Azure MCA (camelCase)' });
    const plain = ['subscriptionid', 'date', 'costinbillingcurrency', 'billingcurrency', 'meterid'];
    expect(azureFormat.detect(plain)).toEqual({ ok: true, variant: 'Azure cost details (camelCase)' });
    const bom = [...ea.columns];
    bom[0] = `\uFEFF${bom[0]}`;
    expect(azureFormat.detect(bom)).toEqual({ ok: true, variant: 'Azure EA (PascalCase)' });
  });

  it('lists the mandatory columns an unrelated header lacks', () => {
    const aws = [
      'identity/LineItemId',
      'lineItem/UsageStartDate',
      'lineItem/UnblendedCost',
      'lineItem/CurrencyCode',
    ];
    expect(azureFormat.detect(aws)).toEqual({
      ok: false,
      missing: ['SubscriptionId', 'Date', 'CostInBillingCurrency', 'BillingCurrency', 'MeterId'],
    });
    // GCP's cost and currency are names Azure's legacy file uses too; the rest is missing.
    const gcp = [
      'billing_account_id',
      'service.description',
      'sku.id',
      'usage_start_time',
      'cost',
      'currency',
    ];
    expect(azureFormat.detect(gcp)).toEqual({ ok: false, missing: ['SubscriptionId', 'Date', 'MeterId'] });
    expect(azureFormat.detect(HEADER.filter((c) => c !== 'MeterId'))).toEqual({
      ok: false,
      missing: ['MeterId'],
    });
  });
});

describe('azureFormat mapping', () => {
  it('maps an EA row field by field', () => {
    const mapper = azureFormat.compile(ea.columns, {});
    const { charge, tags } = mapper.map(recordAt(ea, 2));
    expect(charge).toEqual({
      provider: 'Microsoft',
      account: '00123456',
      accountName: 'Contoso Enrollment',
      subAccount: '00c0ffee-0000-4000-8000-000000000001',
      subAccountName: 'Payments – Prod',
      service: 'Virtual Machines',
      category: '',
      region: 'eastus',
      sku: '0c5e9a1f-7b1a-4c55-9a41-0000000000d4',
      resourceId:
        '/subscriptions/00c0ffee-0000-4000-8000-000000000001/resourceGroups/payments-rg/providers/Microsoft.Compute/virtualMachines/api-1',
      currency: 'USD',
      chargeCategory: 'Usage',
      chargeClass: '',
      chargeDescription: 'D4s v5',
      chargePeriodStart: Date.UTC(2024, 5, 1),
      chargePeriodEnd: Date.UTC(2024, 5, 2),
      billingPeriodStart: Date.UTC(2024, 5, 1),
      billingPeriodEnd: Date.UTC(2024, 6, 1),
      billedCost: '2.304',
      effectiveCost: '2.304',
      listCost: '4.608',
      contractedCost: '2.304',
      pricingQuantity: '24',
      pricingUnit: '1 Hour',
      invoiceIssuer: 'Microsoft',
      publisher: 'Microsoft',
      tagsKey: '{"team": "payments","env": "prod"}',
    } satisfies Charge);
    expect(tags()).toEqual({ team: 'payments', env: 'prod' });
  });

  it('maps an MCA row: billing profile currency, ISO dates, brace-less tags', () => {
    const mapper = azureFormat.compile(mca.columns, { azureCostType: 'amortized' });
    const { charge, tags } = mapper.map(recordAt(mca, 17));
    expect(charge).toMatchObject({
      account: '0a1b2c3d-0000-4000-8000-00000000abcd:0e1f2a3b-0000-4000-8000-00000000cdef_2019-05-31',
      accountName: 'Contoso Ltd',
      subAccount: '0000a1b2-0000-4000-8000-000000000003',
      subAccountName: 'search-prod',
      currency: 'EUR',
      region: 'westeurope',
      chargePeriodStart: Date.UTC(2024, 5, 15),
      chargePeriodEnd: Date.UTC(2024, 5, 16),
      billingPeriodStart: Date.UTC(2024, 5, 1),
      billingPeriodEnd: Date.UTC(2024, 6, 1),
      billedCost: '2',
      effectiveCost: '2',
      // Prices are in USD: the PayG total in EUR is the list cost, UnitPrice × quantity × rate the contracted.
      listCost: '2.3',
      contractedCost: '2.00008',
    });
    expect(tags()).toEqual({ team: 'search', note: 'a, b' });
  });

  it('maps purchases, Marketplace charges, short rows and quoted newlines from the EA fixture', () => {
    const mapper = azureFormat.compile(ea.columns, {});
    expect(mapper.map(recordAt(ea, 4)).charge).toMatchObject({
      chargeCategory: 'Purchase',
      service: 'Microsoft.Capacity',
      chargeDescription: 'Reserved VM Instance, Standard_D4s_v5, US East, 1 Year',
      billedCost: '73.00',
      effectiveCost: '73.00',
      listCost: '73.00',
    });
    expect(mapper.map(recordAt(ea, 5)).charge).toMatchObject({
      subAccountName: 'Data Platform,\nShared',
      publisher: 'Contoso Analytics, Ltd.',
      chargeCategory: 'Purchase',
    });
    const storage = mapper.map(recordAt(ea, 7));
    expect(storage.charge).toMatchObject({
      billedCost: '6.44E-6',
      listCost: '0.00000728',
      pricingQuantity: '3.5E-4',
    });
    expect(storage.tags()).toEqual({ team: 'data', env: 'dev' });
    expect(mapper.map(recordAt(ea, 11)).charge).toMatchObject({
      chargeCategory: 'Adjustment',
      subAccount: '',
      account: '00123456',
      billedCost: '-0.0042',
      pricingQuantity: '0',
    });
    expect(mapper.map(recordAt(ea, 12)).charge).toMatchObject({ billedCost: '0', listCost: '0' });
    expect(mapper.map(recordAt(ea, 13)).charge.chargePeriodStart).toBe(Date.UTC(2024, 5, 15));
    const short = recordAt(ea, 17);
    expect(short.length).toBeLessThan(ea.columns.length);
    expect(mapper.map(short).charge).toMatchObject({
      billedCost: '1.25',
      listCost: '1.25',
      contractedCost: '1.25',
    });
  });

  it('maps the older pay-as-you-go usage file', () => {
    const legacy = [
      'SubscriptionGuid',
      'UsageDateTime',
      'MeterId',
      'MeterCategory',
      'UsageQuantity',
      'PreTaxCost',
    ];
    const columns = [...legacy, 'InstanceId', 'Tags', 'ServiceName', 'Currency', 'UnitOfMeasure'];
    const mapper = azureFormat.compile(columns, {});
    const { charge } = mapper.map([
      '0f0e0d0c-0000-4000-8000-000000000005',
      '2019-11-03',
      'meter-1',
      '',
      '1.5',
      '0.75',
      '/subscriptions/0f0e/x',
      '',
      'Virtual Machines',
      'EUR',
      '1 Hour',
    ]);
    expect(charge).toMatchObject({
      account: '0f0e0d0c-0000-4000-8000-000000000005',
      subAccount: '0f0e0d0c-0000-4000-8000-000000000005',
      service: 'Virtual Machines',
      resourceId: '/subscriptions/0f0e/x',
      currency: 'EUR',
      chargeCategory: 'Usage',
      chargePeriodStart: Date.UTC(2019, 10, 3),
      billingPeriodStart: Date.UTC(2019, 10, 1),
      billingPeriodEnd: Date.UTC(2019, 11, 1),
      billedCost: '0.75',
      listCost: '0.75',
      pricingQuantity: '1.5',
    });
  });
});

describe('azureFormat costs', () => {
  const reservationUsage = { PricingModel: 'Reservation', CostInBillingCurrency: '3.5', Quantity: '24' };

  it('actual: BilledCost = EffectiveCost = cost for every charge type', () => {
    expect(costs(mapRow({ ...reservationUsage, CostInBillingCurrency: '0' }).charge)).toEqual({
      billedCost: '0',
      effectiveCost: '0',
      listCost: '4.608',
      contractedCost: '2.304',
    });
    const purchase = { ChargeType: 'Purchase', PricingModel: 'Reservation', CostInBillingCurrency: '876' };
    expect(costs(mapRow(purchase).charge)).toEqual({
      billedCost: '876',
      effectiveCost: '876',
      listCost: '876',
      contractedCost: '876',
    });
    const unused = {
      ChargeType: 'UnusedSavingsPlan',
      PricingModel: 'SavingsPlan',
      CostInBillingCurrency: '0.4',
    };
    expect(mapRow(unused).charge).toMatchObject({ billedCost: '0.4', effectiveCost: '0.4' });
  });

  it('amortized: commitment-covered and unused usage is not billed again; commitment purchases are not effective', () => {
    expect(mapRow(reservationUsage, amortized).charge).toMatchObject({
      billedCost: '0',
      effectiveCost: '3.5',
    });
    const sp = { ...reservationUsage, PricingModel: 'Savings Plan' };
    expect(mapRow(sp, amortized).charge).toMatchObject({ billedCost: '0', effectiveCost: '3.5' });
    for (const ChargeType of ['UnusedReservation', 'UnusedSavingsPlan'])
      expect(
        mapRow({ ChargeType, PricingModel: '', CostInBillingCurrency: '1.25' }, amortized).charge,
      ).toMatchObject({
        chargeCategory: 'Usage',
        billedCost: '0',
        effectiveCost: '1.25',
      });
    const purchase = { ChargeType: 'Purchase', PricingModel: 'Reservation', CostInBillingCurrency: '0' };
    expect(mapRow(purchase, amortized).charge).toMatchObject({ billedCost: '0', effectiveCost: '0' });
    // Should an amortized file carry a commitment purchase at its price, it still is not effective twice.
    expect(mapRow({ ...purchase, CostInBillingCurrency: '876' }, amortized).charge).toMatchObject({
      billedCost: '876',
      effectiveCost: '0',
    });
    const refund = { ChargeType: 'Refund', PricingModel: 'SavingsPlan', CostInBillingCurrency: '-50' };
    expect(mapRow(refund, amortized).charge).toMatchObject({ billedCost: '-50', effectiveCost: '0' });
    // Everything else is as in actual.
    expect(costs(mapRow({}, amortized).charge)).toEqual(costs(mapRow({}).charge));
    const marketplace = { ChargeType: 'Purchase', PricingModel: '', CostInBillingCurrency: '49.99' };
    expect(mapRow(marketplace, amortized).charge).toMatchObject({
      billedCost: '49.99',
      effectiveCost: '49.99',
    });
  });

  it('computes ListCost and ContractedCost from prices exactly, in the billing currency', () => {
    // 0.1 × 3 is 0.30000000000000004 in doubles.
    expect(
      mapRow({ PayGPrice: '0.1', UnitPrice: '0.0416', Quantity: '3', CostInBillingCurrency: '0.1' }).charge,
    ).toMatchObject({ listCost: '0.3', contractedCost: '0.1248' });
    const long = { PayGPrice: '0.0411522630041152263004115226', Quantity: '3' };
    expect(mapRow(long).charge.listCost).toBe('0.1234567890123456789012345678');
    expect(mapRow({ PayGPrice: '1.2E-5', Quantity: '2.5E3' }).charge.listCost).toBe('0.03');
    // Prices in USD, billing in EUR: the PayG total, else price × quantity × exchange rate.
    const eur = { BillingCurrency: 'EUR', PricingCurrency: 'USD', ExchangeRatePricingToBilling: '0.92' };
    expect(mapRow({ ...eur, PaygCostInBillingCurrency: '4.2' }).charge).toMatchObject({
      listCost: '4.2',
      contractedCost: '2.11968',
    });
    expect(mapRow(eur).charge.listCost).toBe('4.23936');
    expect(mapRow({ ...eur, ExchangeRatePricingToBilling: '' }).charge).toMatchObject({
      listCost: '2.304',
      contractedCost: '2.304',
    });
    // Same pricing currency: prices apply directly.
    expect(mapRow({ PricingCurrency: 'usd', PaygCostInBillingCurrency: '9' }).charge.listCost).toBe('4.608');
  });

  it('treats a zero price on a row with a cost as no price, and prices no purchases, refunds or tax', () => {
    expect(mapRow({ PayGPrice: '0', UnitPrice: '0', CostInBillingCurrency: '5' }).charge).toMatchObject({
      listCost: '5',
      contractedCost: '5',
    });
    expect(mapRow({ PayGPrice: '0', UnitPrice: '0', CostInBillingCurrency: '0' }).charge).toMatchObject({
      listCost: '0',
      contractedCost: '0',
    });
    for (const ChargeType of ['Purchase', 'Refund', 'Tax', 'RoundingAdjustment'])
      expect(costs(mapRow({ ChargeType, CostInBillingCurrency: '-1.5' }).charge)).toEqual({
        billedCost: '-1.5',
        effectiveCost: '-1.5',
        listCost: '-1.5',
        contractedCost: '-1.5',
      });
    expect(mapRow({ Quantity: '', PayGPrice: '0.192' }).charge).toMatchObject({
      listCost: '2.304',
      pricingQuantity: '0',
    });
  });

  it('maps charge types to charge categories', () => {
    const category = (ChargeType: string): string => mapRow({ ChargeType }).charge.chargeCategory;
    expect(category('Usage')).toBe('Usage');
    expect(category('')).toBe('Usage');
    expect(category('UnusedReservation')).toBe('Usage');
    expect(category('UnusedSavingsPlan')).toBe('Usage');
    expect(category('Purchase')).toBe('Purchase');
    expect(category('Refund')).toBe('Credit');
    expect(category('Tax')).toBe('Tax');
    expect(category('RoundingAdjustment')).toBe('Adjustment');
    expect(category('roundingadjustment')).toBe('Adjustment');
    const unknown = rowError({ ChargeType: 'Discount' });
    expect(unknown.column).toBe('ChargeType');
    expect(unknown.message).toContain('"Discount"');
    expect(rowError({ ChargeType: 'constructor' }).column).toBe('ChargeType');
  });
});

describe('azureFormat dates, tags and errors', () => {
  it('reads MM/DD/YYYY and ISO dates; the billing period end date is its last day', () => {
    expect(mapRow({ Date: '2024-06-10T00:00:00.0000000Z' }).charge.chargePeriodStart).toBe(
      Date.UTC(2024, 5, 10),
    );
    expect(
      mapRow({ BillingPeriodStartDate: '2024-06-01', BillingPeriodEndDate: '2024-06-30' }).charge,
    ).toMatchObject({
      billingPeriodStart: Date.UTC(2024, 5, 1),
      billingPeriodEnd: Date.UTC(2024, 6, 1),
    });
    const none = mapRow({ BillingPeriodStartDate: '', BillingPeriodEndDate: '', Date: '02/29/2024' }).charge;
    expect(none).toMatchObject({
      billingPeriodStart: Date.UTC(2024, 1, 1),
      billingPeriodEnd: Date.UTC(2024, 2, 1),
    });
    expect(none.chargePeriodEnd - none.chargePeriodStart).toBe(DAY);
  });

  it('reads tags as JSON or as brace-less JSON, and reports malformed tags naming the column', () => {
    expect(mapRow({ Tags: '"team": "web","cost center": "a, b"' }).tags()).toEqual({
      team: 'web',
      'cost center': 'a, b',
    });
    expect(mapRow({ Tags: '' }).tags()).toEqual({});
    const { tags } = mapRow({ Tags: 'team:web;env:prod' });
    try {
      tags();
      throw new Error('expected a RowError');
    } catch (err) {
      expect(err).toBeInstanceOf(RowError);
      expect((err as RowError).column).toBe('Tags');
    }
  });

  it('names the column (as the header writes it) and the value of what it cannot read', () => {
    const date = rowError({ Date: '06/31/2024' });
    expect(date.column).toBe('Date');
    expect(date.message).toContain('"06/31/2024"');
    expect(rowError({ Date: '' }).column).toBe('Date');
    const cost = rowError({ CostInBillingCurrency: '1.234,56' });
    expect(cost.column).toBe('CostInBillingCurrency');
    expect(cost.message).toContain('"1.234,56"');
    expect(rowError({ Quantity: '1,024' }).column).toBe('Quantity');
    expect(rowError({ PayGPrice: 'n/a' }).column).toBe('PayGPrice');
    expect(rowError({ BillingCurrency: ' ' }).column).toBe('BillingCurrency');
    expect(rowError({ BillingPeriodEndDate: '05/01/2024' }).column).toBe('BillingPeriodEndDate');
    expect(rowError({ BillingAccountId: '', SubscriptionId: '' }).column).toBe('BillingAccountId');
    const mapper = azureFormat.compile(mca.columns, {});
    try {
      mapper.map(recordAt(mca, 16));
      throw new Error('expected a RowError');
    } catch (err) {
      expect((err as RowError).column).toBe('quantity');
      expect((err as RowError).message).toContain('"1,024"');
    }
  });
});

describe('azure fixtures', () => {
  it('ea-actual.csv (BOM, CRLF, read by csv-parse) matches its expectations', () => {
    checkFixture(azureFormat, ea, expectedOf(join(FIXTURES, 'ea-actual.expected.json')));
  });

  it('mca-amortized.csv (read by csv-parse) matches its expectations', () => {
    checkFixture(azureFormat, mca, expectedOf(join(FIXTURES, 'mca-amortized.expected.json')));
  });

  it('the MCA fixture as actual bills what amortized spreads', () => {
    const mapper = azureFormat.compile(mca.columns, { azureCostType: 'actual' });
    for (const line of [3, 4, 6, 7]) {
      const { charge } = mapper.map(recordAt(mca, line));
      expect(charge.billedCost).toBe(charge.effectiveCost);
    }
    const amortizedMapper = azureFormat.compile(mca.columns, { azureCostType: 'amortized' });
    expect(amortizedMapper.map(recordAt(mca, 3)).charge).toMatchObject({
      billedCost: '0',
      effectiveCost: '3.5',
    });
    expect(amortizedMapper.map(recordAt(mca, 4)).charge).toMatchObject({
      chargeCategory: 'Usage',
      billedCost: '0',
      effectiveCost: '1.25',
    });
    expect(amortizedMapper.map(recordAt(mca, 8)).charge).toMatchObject({
      chargeCategory: 'Credit',
      billedCost: '-20.00',
    });
  });
});
