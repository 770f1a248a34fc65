import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { RowError } from '../charge';
import type { MappedRow } from '../charge';
import { FOCUS_MANDATORY_COLUMNS, focusFormat } from './focus';
import type { RowMapper } from './format';
import { checkFixture, expectedOf, readFixtureCsv } from './oracle.fixture';

const FIXTURES = join(__dirname, '../../../../test/fixtures/exports');

// --- Helpers for hand-written rows. ---

/** A FOCUS 1.0 row with every mandatory column filled in; `over` replaces cells (and may add columns). */
function focusRow(over: Record<string, string> = {}): Record<string, string> {
  return {
    BilledCost: '1.25',
    ContractedCost: '1.5',
    EffectiveCost: '1.125',
    ListCost: '2',
    PricingQuantity: '3',
    BillingAccountId: '012345678901',
    BillingAccountName: 'Payer',
    BillingCurrency: 'USD',
    BillingPeriodStart: '2024-06-01T00:00:00Z',
    BillingPeriodEnd: '2024-07-01T00:00:00Z',
    ChargePeriodStart: '2024-06-03T10:00:00Z',
    ChargePeriodEnd: '2024-06-03T11:00:00Z',
    ChargeCategory: 'Usage',
    ChargeClass: 'NULL',
    ChargeDescription: 'm5.large, Linux',
    InvoiceIssuerName: 'Amazon Web Services, Inc.',
    PricingUnit: 'Hours',
    ProviderName: 'AWS',
    PublisherName: 'Amazon Web Services, Inc.',
    ServiceCategory: 'Compute',
    ServiceName: 'Amazon Elastic Compute Cloud',
    ...over,
  };
}

/** Compiles a mapper for the row's columns and maps the row. */
function mapRow(row: Record<string, string>): MappedRow {
  const columns = Object.keys(row);
  return focusFormat.compile(columns, {}).map(columns.map((c) => row[c]));
}

function rowError(row: Record<string, string>): RowError {
  try {
    mapRow(row);
  } catch (e) {
    if (e instanceof RowError) return e;
    throw e;
  }
  throw new Error('expected a RowError');
}

describe('focusFormat.detect', () => {
  const v10 = [...FOCUS_MANDATORY_COLUMNS, 'RegionId', 'ResourceId', 'SkuId', 'SubAccountId', 'Tags'];

  it('reports FOCUS 1.0 for a header with only 1.0 columns', () => {
    expect(focusFormat.detect(v10)).toEqual({ ok: true, variant: 'FOCUS 1.0' });
  });

  it('reports FOCUS 1.1 from a 1.1 column', () => {
    for (const column of [
      'ServiceSubcategory',
      'CapacityReservationId',
      'CommitmentDiscountQuantity',
      'SkuMeter',
    ])
      expect(focusFormat.detect([...v10, column])).toEqual({ ok: true, variant: 'FOCUS 1.1' });
  });

  it('reports FOCUS 1.2 from a 1.2 column', () => {
    for (const column of ['InvoiceId', 'PricingCurrency', 'PricingCurrencyEffectiveCost'])
      expect(focusFormat.detect([...v10, 'SkuMeter', column])).toEqual({ ok: true, variant: 'FOCUS 1.2' });
  });

  it('does not call Microsoft’s FOCUS 1.0 export (BillingAccountType, SubAccountType) 1.2', () => {
    expect(focusFormat.detect([...v10, 'BillingAccountType', 'SubAccountType', 'x_InvoiceId'])).toEqual({
      ok: true,
      variant: 'FOCUS 1.0',
    });
  });

  it('reports FOCUS 1.3 with the renamed provider columns instead of the deprecated ones', () => {
    const v13 = v10
      .filter((c) => c !== 'ProviderName' && c !== 'PublisherName')
      .concat('ServiceProviderName', 'HostProviderName', 'InvoiceId');
    expect(focusFormat.detect(v13)).toEqual({ ok: true, variant: 'FOCUS 1.3' });
  });

  it('reports FOCUS 1.3 with both the deprecated and the new columns, and from Allocated* alone', () => {
    expect(focusFormat.detect([...v10, 'ServiceProviderName', 'HostProviderName'])).toEqual({
      ok: true,
      variant: 'FOCUS 1.3',
    });
    expect(focusFormat.detect([...v10, 'AllocatedMethodId', 'AllocatedTags'])).toEqual({
      ok: true,
      variant: 'FOCUS 1.3',
    });
  });

  it('matches column names regardless of case', () => {
    expect(focusFormat.detect(v10.map((c) => c.toLowerCase()).concat('invoiceid'))).toEqual({
      ok: true,
      variant: 'FOCUS 1.2',
    });
  });

  it('lists every missing mandatory column for a non-FOCUS header', () => {
    const detection = focusFormat.detect([
      'lineItem/UnblendedCost',
      'bill/PayerAccountId',
      'lineItem/LineItemType',
    ]);
    expect(detection).toEqual({
      ok: false,
      missing: FOCUS_MANDATORY_COLUMNS.map((c) =>
        c === 'ProviderName'
          ? 'ProviderName (or ServiceProviderName)'
          : c === 'PublisherName'
            ? 'PublisherName (or HostProviderName)'
            : c,
      ),
    });
  });

  it('lists only what is missing from an almost-FOCUS header', () => {
    const columns = FOCUS_MANDATORY_COLUMNS.filter((c) => c !== 'BilledCost' && c !== 'ProviderName');
    expect(focusFormat.detect(columns)).toEqual({
      ok: false,
      missing: ['BilledCost', 'ProviderName (or ServiceProviderName)'],
    });
  });
});

describe('focusFormat mapping', () => {
  it('maps a row field by field', () => {
    const { charge, tags } = mapRow(
      focusRow({
        RegionId: 'us-east-1',
        ResourceId: 'i-0a1b2c3d4e5f60718',
        SkuId: 'JRTCKXETXF',
        SubAccountId: '000123456789',
        SubAccountName: 'payments-prod',
        Tags: '{"team":"payments","reviewed":true}',
        x_ServiceCode: 'AmazonEC2',
      }),
    );
    expect(charge).toEqual({
      provider: 'AWS',
      account: '012345678901',
      accountName: 'Payer',
      subAccount: '000123456789',
      subAccountName: 'payments-prod',
      service: 'Amazon Elastic Compute Cloud',
      category: 'Compute',
      region: 'us-east-1',
      sku: 'JRTCKXETXF',
      resourceId: 'i-0a1b2c3d4e5f60718',
      currency: 'USD',
      chargeCategory: 'Usage',
      chargeClass: '',
      chargeDescription: 'm5.large, Linux',
      chargePeriodStart: Date.UTC(2024, 5, 3, 10),
      chargePeriodEnd: Date.UTC(2024, 5, 3, 11),
      billingPeriodStart: Date.UTC(2024, 5, 1),
      billingPeriodEnd: Date.UTC(2024, 6, 1),
      billedCost: '1.25',
      effectiveCost: '1.125',
      listCost: '2',
      contractedCost: '1.5',
      pricingQuantity: '3',
      pricingUnit: 'Hours',
      invoiceIssuer: 'Amazon Web Services, Inc.',
      publisher: 'Amazon Web Services, Inc.',
      tagsKey: '{"team":"payments","reviewed":true}',
    });
    expect(tags()).toEqual({ team: 'payments', reviewed: 'true' });
  });

  it('keeps decimal text exactly as written and reads NULL and empty cells', () => {
    const { charge, tags } = mapRow(
      focusRow({
        BilledCost: '0.2839506147000000000000000001',
        EffectiveCost: '1.2E-9',
        ListCost: 'NULL',
        ContractedCost: '',
        PricingQuantity: 'NULL',
        PricingUnit: 'NULL',
        RegionId: 'NULL',
        Tags: 'NULL',
      }),
    );
    expect(charge.billedCost).toBe('0.2839506147000000000000000001');
    expect(charge.effectiveCost).toBe('1.2E-9');
    expect(charge.listCost).toBe('0');
    expect(charge.contractedCost).toBe('0');
    expect(charge.pricingQuantity).toBe('0');
    expect(charge.pricingUnit).toBe('');
    expect(charge.region).toBe('');
    expect(charge.tagsKey).toBe('');
    expect(tags()).toEqual({});
  });

  it('maps every charge category case-insensitively to its canonical name', () => {
    const cases: [string, string][] = [
      ['Usage', 'Usage'],
      ['Purchase', 'Purchase'],
      ['Tax', 'Tax'],
      ['Credit', 'Credit'],
      ['Adjustment', 'Adjustment'],
      ['usage', 'Usage'],
      ['TAX', 'Tax'],
      [' credit ', 'Credit'],
      ['aDjUsTmEnT', 'Adjustment'],
    ];
    for (const [cell, category] of cases)
      expect(mapRow(focusRow({ ChargeCategory: cell })).charge.chargeCategory).toBe(category);
  });

  it('rejects any other charge category, naming the column and the value', () => {
    for (const cell of ['Refund', 'Discount', 'NULL', '']) {
      const e = rowError(focusRow({ ChargeCategory: cell }));
      expect(e.column).toBe('ChargeCategory');
      if (cell === 'Refund')
        expect(e.message).toBe(
          'ChargeCategory: not a FOCUS charge category (Usage, Purchase, Tax, Credit, Adjustment): "Refund"',
        );
    }
  });

  it('reads ChargeClass Correction (any case) or null, and nothing else', () => {
    expect(mapRow(focusRow({ ChargeClass: 'Correction' })).charge.chargeClass).toBe('Correction');
    expect(mapRow(focusRow({ ChargeClass: 'correction' })).charge.chargeClass).toBe('Correction');
    expect(mapRow(focusRow({ ChargeClass: '' })).charge.chargeClass).toBe('');
    const e = rowError(focusRow({ ChargeClass: 'Reversal' }));
    expect(e.column).toBe('ChargeClass');
    expect(e.message).toContain('"Reversal"');
  });

  it('reports unreadable cells with the column and the value', () => {
    const cases: [Record<string, string>, string, string][] = [
      [{ BilledCost: '12,5O' }, 'BilledCost', 'BilledCost: not a decimal number: "12,5O"'],
      [{ EffectiveCost: '1.2.3' }, 'EffectiveCost', 'EffectiveCost: not a decimal number: "1.2.3"'],
      [{ ListCost: '12 USD' }, 'ListCost', 'ListCost: not a decimal number: "12 USD"'],
      [{ ContractedCost: 'NaN' }, 'ContractedCost', 'ContractedCost: not a decimal number: "NaN"'],
      [{ PricingQuantity: '1,000' }, 'PricingQuantity', 'PricingQuantity: not a decimal number: "1,000"'],
      [
        { ChargePeriodStart: '2024-06-31T00:00Z' },
        'ChargePeriodStart',
        'ChargePeriodStart: not a date: "2024-06-31T00:00Z"',
      ],
      [{ ChargePeriodEnd: 'NULL' }, 'ChargePeriodEnd', 'ChargePeriodEnd: empty'],
      [
        { ChargePeriodEnd: '2024-06-03T09:00:00Z' },
        'ChargePeriodEnd',
        'ChargePeriodEnd: before ChargePeriodStart: "2024-06-03T09:00:00Z"',
      ],
      [{ BillingPeriodStart: 'June' }, 'BillingPeriodStart', 'BillingPeriodStart: not a date: "June"'],
      [
        { BillingCurrency: 'US Dollar' },
        'BillingCurrency',
        'BillingCurrency: not an ISO 4217 currency code: "US Dollar"',
      ],
      [{ BillingCurrency: 'NULL' }, 'BillingCurrency', 'BillingCurrency: empty'],
      [{ BillingAccountId: '' }, 'BillingAccountId', 'BillingAccountId: empty'],
      [{ ProviderName: 'NULL' }, 'ProviderName', 'ProviderName: empty'],
    ];
    for (const [over, column, message] of cases) {
      const e = rowError(focusRow(over));
      expect({ column: e.column, message: e.message }).toEqual({ column, message });
    }
  });

  it('reports malformed tag JSON when the tags are read', () => {
    const row = mapRow(focusRow({ Tags: '{"team":' }));
    expect(() => row.tags()).toThrow(RowError);
    try {
      row.tags();
    } catch (e) {
      expect((e as RowError).column).toBe('Tags');
    }
  });

  it('upper-cases a currency code and keeps account ids as text', () => {
    const { charge } = mapRow(focusRow({ BillingCurrency: ' eur ', BillingAccountId: '000042' }));
    expect(charge.currency).toBe('EUR');
    expect(charge.account).toBe('000042');
  });

  it('falls back to the charge’s calendar month when the billing period is null', () => {
    const { charge } = mapRow(focusRow({ BillingPeriodStart: 'NULL', BillingPeriodEnd: '' }));
    expect(charge.billingPeriodStart).toBe(Date.UTC(2024, 5, 1));
    expect(charge.billingPeriodEnd).toBe(Date.UTC(2024, 6, 1));
  });

  it('reads FOCUS 1.3 provider columns and prefers them over the deprecated ones', () => {
    const only13 = focusRow({ ServiceProviderName: 'Acme Data Inc.', HostProviderName: 'Google Cloud' });
    delete only13['ProviderName'];
    delete only13['PublisherName'];
    expect(mapRow(only13).charge).toMatchObject({ provider: 'Acme Data Inc.', publisher: 'Google Cloud' });

    const both = focusRow({ ServiceProviderName: 'Acme Data Inc.', HostProviderName: 'Google Cloud' });
    expect(mapRow(both).charge).toMatchObject({ provider: 'Acme Data Inc.', publisher: 'Google Cloud' });

    // HostProviderName may be null (tax): the deprecated PublisherName, else nothing.
    expect(mapRow(focusRow({ HostProviderName: 'NULL' })).charge.publisher).toBe('Amazon Web Services, Inc.');
    const noPublisher = { ...only13, HostProviderName: 'NULL' };
    expect(mapRow(noPublisher).charge.publisher).toBe('');

    const e = rowError({ ...only13, ServiceProviderName: 'NULL' });
    expect(e.column).toBe('ServiceProviderName');
  });

  it('lets FOCUS 1.3 AllocatedTags win over the origin resource’s Tags', () => {
    const tags = '{"team":"platform","cluster":"payments"}';
    const a = mapRow(
      focusRow({ Tags: tags, AllocatedTags: '{"team":"payments"}', AllocatedResourceId: 'ns/pay' }),
    );
    const b = mapRow(
      focusRow({ Tags: tags, AllocatedTags: '{"team":"search"}', AllocatedResourceId: 'ns/search' }),
    );
    const origin = mapRow(focusRow({ Tags: tags, AllocatedTags: 'NULL' }));
    expect(a.tags()).toEqual({ team: 'payments', cluster: 'payments' });
    expect(b.tags()).toEqual({ team: 'search', cluster: 'payments' });
    expect(origin.tags()).toEqual({ team: 'platform', cluster: 'payments' });
    expect(new Set([a.charge.tagsKey, b.charge.tagsKey, origin.charge.tagsKey]).size).toBe(3);
    expect(origin.charge.tagsKey).toBe(tags);
    // The charge is still the origin resource's.
    expect(a.charge.resourceId).toBe('');
  });

  it('gives equal tag cells equal keys', () => {
    const mapper: RowMapper = focusFormat.compile(Object.keys(focusRow({ Tags: '' })), {});
    const values = (tags: string) => Object.values(focusRow({ Tags: tags }));
    const k1 = mapper.map(values('{"team":"a"}')).charge.tagsKey;
    const k2 = mapper.map(values('{"team":"a"}')).charge.tagsKey;
    const k3 = mapper.map(values('{"team":"b"}')).charge.tagsKey;
    expect(k1).toBe(k2);
    expect(k1).not.toBe(k3);
  });

  it('reads rows shorter than the header (missing trailing cells are null)', () => {
    const row = focusRow({ RegionId: 'us-east-1', Tags: '{"team":"a"}' });
    const columns = Object.keys(row);
    const values = columns.map((c) => row[c]).slice(0, columns.indexOf('RegionId') + 1);
    const { charge, tags } = focusFormat.compile(columns, {}).map(values);
    expect(charge.region).toBe('us-east-1');
    expect(charge.tagsKey).toBe('');
    expect(tags()).toEqual({});
  });
});

describe('focusFormat fixtures', () => {
  for (const name of ['focus-1.0', 'focus-1.1', 'focus-1.2', 'focus-1.3'])
    it(`${name}.csv maps to exactly ${name}.expected.json`, () => {
      checkFixture(
        focusFormat,
        readFixtureCsv(join(FIXTURES, `focus/${name}.csv`)),
        expectedOf(join(FIXTURES, `focus/${name}.expected.json`)),
      );
    });

  it('reads the FOCUS 1.3 fixture’s allocated, marketplace and tax rows as documented', () => {
    const { columns, records } = readFixtureCsv(join(FIXTURES, 'focus/focus-1.3.csv'));
    const mapper = focusFormat.compile(columns, {});
    const charges = records.map((r) => {
      try {
        return mapper.map(r.values);
      } catch {
        return undefined;
      }
    });
    expect(charges[1]!.tags()).toMatchObject({
      team: 'payments',
      'goog-k8s-cluster-name': 'payments-cluster',
    });
    expect(charges[2]!.tags()).toMatchObject({ team: 'search' });
    expect(charges[4]!.charge).toMatchObject({ provider: 'Acme Data Inc.', publisher: 'Google Cloud' });
    expect(charges[5]!.charge).toMatchObject({ chargeCategory: 'Tax', publisher: '', listCost: '0' });
    expect(charges[6]!.charge.chargeCategory).toBe('Credit');
    expect(charges[14]!.charge.chargeDescription).toBe(
      'Cloud SQL for PostgreSQL: Zonal - 1 vCPU,\nLondon (committed use)',
    );
  });
});

describe('focusFormat column projection', () => {
  // The reader decodes only `mapper.columns`: mapping a row with every other value missing must give
  // exactly what the full row gives, tags included, or projection would silently change imports.
  const dir = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'exports', 'focus');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.csv'))) {
    it(`${name}: the projected row maps like the full row`, () => {
      const [header, ...rows] = parse(readFileSync(join(dir, name)), {
        bom: true,
        relax_column_count: true,
      }) as string[][];
      const mapper = focusFormat.compile(header!, {});
      expect(mapper.columns!.length).toBeGreaterThan(0);
      expect(mapper.columns!.length).toBeLessThan(header!.length);
      const keep = new Set(mapper.columns);
      let compared = 0;
      for (const row of rows) {
        const projected = row.map((v, i) => (keep.has(i) ? v : undefined));
        let full;
        try {
          full = mapper.map(row);
        } catch (err) {
          expect(() => mapper.map(projected)).toThrow((err as Error).message);
          continue;
        }
        const got = mapper.map(projected);
        expect(got.charge).toEqual(full.charge);
        expect(got.tags()).toEqual(full.tags());
        compared++;
      }
      expect(compared).toBeGreaterThan(5);
    });
  }
});
