import { join } from 'node:path';
import { RowError } from '../charge';
import type { MappedRow } from '../charge';
import { awsChargeCategory, awsCur2Format, awsCurFormat } from './aws-cur';
import { FOCUS_MANDATORY_COLUMNS } from './focus';
import type { ExportFormat } from './format';
import { checkFixture, expectedOf, readFixtureCsv } from './oracle.fixture';

const FIXTURES = join(__dirname, '../../../../test/fixtures/exports');

// --- Hand-written rows. ---

/** A legacy CUR usage row; `over` replaces cells (and may add columns). */
function legacyRow(over: Record<string, string> = {}): Record<string, string> {
  return {
    'identity/LineItemId': 'abc123',
    'identity/TimeInterval': '2024-06-01T00:00:00Z/2024-06-01T01:00:00Z',
    'bill/InvoicingEntity': 'Amazon Web Services, Inc.',
    'bill/PayerAccountId': '012345678901',
    'bill/BillingPeriodStartDate': '2024-06-01T00:00:00Z',
    'bill/BillingPeriodEndDate': '2024-07-01T00:00:00Z',
    'lineItem/UsageAccountId': '000123456789',
    'lineItem/LineItemType': 'Usage',
    'lineItem/UsageStartDate': '2024-06-01T00:00:00Z',
    'lineItem/UsageEndDate': '2024-06-01T01:00:00Z',
    'lineItem/ProductCode': 'AmazonEC2',
    'lineItem/UsageType': 'BoxUsage:m5.large',
    'lineItem/ResourceId': 'i-0a1b2c3d4e5f60718',
    'lineItem/UsageAmount': '1',
    'lineItem/CurrencyCode': 'USD',
    'lineItem/UnblendedCost': '0.096',
    'lineItem/LineItemDescription': '$0.096 per On Demand Linux m5.large Instance Hour',
    'lineItem/LegalEntity': 'Amazon Web Services, Inc.',
    'product/ProductName': 'Amazon Elastic Compute Cloud',
    'product/region': 'us-east-1',
    'product/regionCode': 'us-east-1',
    'product/sku': 'JRTCKXETXF',
    'product/productFamily': 'Compute Instance',
    'pricing/unit': 'Hrs',
    'pricing/publicOnDemandCost': '0.1',
    'reservation/EffectiveCost': '',
    'reservation/ReservationARN': '',
    'reservation/UnusedAmortizedUpfrontFeeForBillingPeriod': '',
    'reservation/UnusedRecurringFee': '',
    'savingsPlan/SavingsPlanEffectiveCost': '',
    'savingsPlan/TotalCommitmentToDate': '',
    'savingsPlan/UsedCommitment': '',
    'resourceTags/aws:createdBy': 'IAMUser:AIDAEXAMPLE:ci',
    'resourceTags/user:team': 'payments',
    'resourceTags/user:env': 'prod',
    ...over,
  };
}

/** A CUR 2.0 usage row; `over` replaces cells (and may add columns). */
function cur2Row(over: Record<string, string> = {}): Record<string, string> {
  return {
    bill_payer_account_id: '012345678901',
    bill_payer_account_name: 'Meterline Payer',
    bill_billing_period_start_date: '2024-06-01T00:00:00.000Z',
    bill_billing_period_end_date: '2024-07-01T00:00:00.000Z',
    bill_invoicing_entity: 'Amazon Web Services, Inc.',
    identity_time_interval: '2024-06-02T10:00:00.000Z/2024-06-02T11:00:00.000Z',
    line_item_usage_account_id: '000123456789',
    line_item_usage_account_name: 'payments-prod',
    line_item_line_item_type: 'Usage',
    line_item_usage_start_date: '2024-06-02T10:00:00.000Z',
    line_item_usage_end_date: '2024-06-02T11:00:00.000Z',
    line_item_product_code: 'AmazonEC2',
    line_item_usage_amount: '2',
    line_item_currency_code: 'USD',
    line_item_unblended_cost: '0.384',
    line_item_net_unblended_cost: '0.35328',
    line_item_line_item_description: 'c5.2xlarge, Linux',
    line_item_resource_id: 'i-0fedcba9876543210',
    line_item_legal_entity: 'Amazon Web Services, Inc.',
    product: '{"product_name":"Amazon Elastic Compute Cloud","region":"us-east-1"}',
    product_region_code: 'us-east-1',
    product_sku: 'EFGH5678ZW',
    pricing_unit: 'Hrs',
    pricing_public_on_demand_cost: '0.384',
    reservation_effective_cost: '',
    reservation_net_effective_cost: '',
    savings_plan_savings_plan_effective_cost: '',
    savings_plan_net_savings_plan_effective_cost: '',
    resource_tags: '{"user_team":"search","user_env":"prod"}',
    ...over,
  };
}

function mapWith(format: ExportFormat, row: Record<string, string>): MappedRow {
  const columns = Object.keys(row);
  return format.compile(columns, {}).map(columns.map((c) => row[c]));
}

function rowError(format: ExportFormat, row: Record<string, string>): RowError {
  try {
    mapWith(format, row);
  } catch (e) {
    if (e instanceof RowError) return e;
    throw e;
  }
  throw new Error('expected a RowError');
}

describe('AWS CUR detection', () => {
  const legacy = Object.keys(legacyRow());
  const cur2 = Object.keys(cur2Row());

  it('recognises the legacy CUR by its slash columns', () => {
    expect(awsCurFormat.detect(legacy)).toEqual({ ok: true, variant: 'AWS CUR (legacy)' });
    expect(awsCurFormat.detect(legacy.map((c) => c.toLowerCase()))).toEqual({
      ok: true,
      variant: 'AWS CUR (legacy)',
    });
  });

  it('recognises CUR 2.0 by its snake_case columns', () => {
    expect(awsCur2Format.detect(cur2)).toEqual({ ok: true, variant: 'AWS CUR 2.0' });
  });

  it('recognises the legacy CUR in snake_case (Athena) shape as such', () => {
    const athena = cur2
      .filter((c) => c !== 'product' && c !== 'resource_tags')
      .concat('product_product_name', 'resource_tags_user_team');
    expect(awsCur2Format.detect(athena)).toEqual({ ok: true, variant: 'AWS CUR (legacy, snake_case)' });
  });

  it('lists the missing mandatory columns of any other header', () => {
    const missingLegacy = [
      'bill/PayerAccountId',
      'lineItem/UsageAccountId',
      'lineItem/LineItemType',
      'lineItem/UsageStartDate',
      'lineItem/ProductCode',
      'lineItem/CurrencyCode',
      'lineItem/UnblendedCost',
    ];
    const missingCur2 = [
      'bill_payer_account_id',
      'line_item_usage_account_id',
      'line_item_line_item_type',
      'line_item_usage_start_date',
      'line_item_product_code',
      'line_item_currency_code',
      'line_item_unblended_cost',
    ];
    expect(awsCurFormat.detect([...FOCUS_MANDATORY_COLUMNS])).toEqual({ ok: false, missing: missingLegacy });
    expect(awsCur2Format.detect([...FOCUS_MANDATORY_COLUMNS])).toEqual({ ok: false, missing: missingCur2 });
    expect(awsCurFormat.detect(cur2)).toEqual({ ok: false, missing: missingLegacy });
    expect(awsCur2Format.detect(legacy)).toEqual({ ok: false, missing: missingCur2 });
    expect(awsCurFormat.detect(legacy.filter((c) => c !== 'lineItem/UnblendedCost'))).toEqual({
      ok: false,
      missing: ['lineItem/UnblendedCost'],
    });
  });
});

describe('awsChargeCategory', () => {
  it('maps every line item type to its FOCUS charge category', () => {
    const expected: Record<string, string> = {
      Usage: 'Usage',
      DiscountedUsage: 'Usage',
      SavingsPlanCoveredUsage: 'Usage',
      SavingsPlanNegation: 'Usage',
      Fee: 'Purchase',
      RIFee: 'Purchase',
      SavingsPlanRecurringFee: 'Purchase',
      SavingsPlanUpfrontFee: 'Purchase',
      Tax: 'Tax',
      Credit: 'Credit',
      Refund: 'Credit',
      BundledDiscount: 'Credit',
      EdpDiscount: 'Credit',
      PrivateRateDiscount: 'Credit',
      DistributorDiscount: 'Credit',
      SppDiscount: 'Credit',
      Discount: 'Credit',
      SomethingAwsAddsLater: 'Adjustment',
    };
    for (const [type, category] of Object.entries(expected))
      expect([type, awsChargeCategory(type)]).toEqual([type, category]);
    expect(awsChargeCategory('rifee')).toBe('Purchase');
    expect(awsChargeCategory(' TAX ')).toBe('Tax');
  });

  it('is what the mapper uses', () => {
    for (const type of ['RIFee', 'EdpDiscount', 'SavingsPlanNegation', 'Tax', 'Mystery'])
      expect(mapWith(awsCurFormat, legacyRow({ 'lineItem/LineItemType': type })).charge.chargeCategory).toBe(
        awsChargeCategory(type),
      );
  });
});

describe('awsCurFormat mapping (legacy CUR)', () => {
  it('maps a usage row field by field', () => {
    const { charge } = mapWith(awsCurFormat, legacyRow());
    expect(charge).toEqual({
      provider: 'AWS',
      account: '012345678901',
      accountName: '',
      subAccount: '000123456789',
      subAccountName: '',
      service: 'Amazon Elastic Compute Cloud',
      category: '',
      region: 'us-east-1',
      sku: 'JRTCKXETXF',
      resourceId: 'i-0a1b2c3d4e5f60718',
      currency: 'USD',
      chargeCategory: 'Usage',
      chargeClass: '',
      chargeDescription: '$0.096 per On Demand Linux m5.large Instance Hour',
      chargePeriodStart: Date.UTC(2024, 5, 1, 0),
      chargePeriodEnd: Date.UTC(2024, 5, 1, 1),
      billingPeriodStart: Date.UTC(2024, 5, 1),
      billingPeriodEnd: Date.UTC(2024, 6, 1),
      billedCost: '0.096',
      effectiveCost: '0.096',
      listCost: '0.1',
      contractedCost: '0.096',
      pricingQuantity: '1',
      pricingUnit: 'Hrs',
      invoiceIssuer: 'Amazon Web Services, Inc.',
      publisher: 'Amazon Web Services, Inc.',
      tagsKey: 'IAMUser:AIDAEXAMPLE:ci\u0001payments\u0001prod',
    });
  });

  it('derives EffectiveCost per line item type as AWS amortises', () => {
    const cases: [Record<string, string>, string, string][] = [
      [{ 'lineItem/LineItemType': 'Usage', 'lineItem/UnblendedCost': '0.096' }, '0.096', '0.096'],
      [
        {
          'lineItem/LineItemType': 'SavingsPlanCoveredUsage',
          'lineItem/UnblendedCost': '0.17',
          'savingsPlan/SavingsPlanEffectiveCost': '0.1156',
        },
        '0.17',
        '0.1156',
      ],
      [{ 'lineItem/LineItemType': 'SavingsPlanNegation', 'lineItem/UnblendedCost': '-0.17' }, '-0.17', '0'],
      [
        {
          'lineItem/LineItemType': 'DiscountedUsage',
          'lineItem/UnblendedCost': '0',
          'reservation/EffectiveCost': '0.0612',
        },
        '0',
        '0.0612',
      ],
      [
        {
          'lineItem/LineItemType': 'RIFee',
          'lineItem/UnblendedCost': '44.64',
          'reservation/UnusedAmortizedUpfrontFeeForBillingPeriod': '1.25',
          'reservation/UnusedRecurringFee': '2.5',
        },
        '44.64',
        '3.75',
      ],
      [{ 'lineItem/LineItemType': 'RIFee', 'lineItem/UnblendedCost': '44.64' }, '44.64', '0'],
      [
        {
          'lineItem/LineItemType': 'SavingsPlanRecurringFee',
          'lineItem/UnblendedCost': '0.5',
          'savingsPlan/TotalCommitmentToDate': '0.5',
          'savingsPlan/UsedCommitment': '0.1156',
        },
        '0.5',
        '0.3844',
      ],
      [
        {
          'lineItem/LineItemType': 'SavingsPlanRecurringFee',
          'lineItem/UnblendedCost': '0.5',
          'savingsPlan/TotalCommitmentToDate': '0.5',
          'savingsPlan/UsedCommitment': '0.5',
        },
        '0.5',
        '0',
      ],
      [{ 'lineItem/LineItemType': 'SavingsPlanUpfrontFee', 'lineItem/UnblendedCost': '4380' }, '4380', '0'],
      [
        {
          'lineItem/LineItemType': 'Fee',
          'lineItem/UnblendedCost': '269.568',
          'reservation/ReservationARN': 'arn:ri',
        },
        '269.568',
        '0',
      ],
      [{ 'lineItem/LineItemType': 'Fee', 'lineItem/UnblendedCost': '100' }, '100', '100'],
      [{ 'lineItem/LineItemType': 'Tax', 'lineItem/UnblendedCost': '12.34' }, '12.34', '12.34'],
      [{ 'lineItem/LineItemType': 'Credit', 'lineItem/UnblendedCost': '-25' }, '-25', '-25'],
      [{ 'lineItem/LineItemType': 'EdpDiscount', 'lineItem/UnblendedCost': '-0.0096' }, '-0.0096', '-0.0096'],
      [{ 'lineItem/LineItemType': 'Usage', 'lineItem/UnblendedCost': '' }, '0', '0'],
    ];
    for (const [over, billed, effective] of cases) {
      const { charge } = mapWith(awsCurFormat, legacyRow(over));
      expect([
        over['lineItem/LineItemType'],
        charge.billedCost,
        charge.effectiveCost,
        charge.contractedCost,
      ]).toEqual([over['lineItem/LineItemType'], billed, effective, billed]);
    }
  });

  it('keeps covered usage unamortised when the export has no effective cost columns', () => {
    const row = legacyRow({
      'lineItem/LineItemType': 'SavingsPlanCoveredUsage',
      'lineItem/UnblendedCost': '0.17',
    });
    delete row['savingsPlan/SavingsPlanEffectiveCost'];
    expect(mapWith(awsCurFormat, row).charge.effectiveCost).toBe('0.17');
  });

  it('adds RI fee columns exactly, however long their decimals', () => {
    const { charge } = mapWith(
      awsCurFormat,
      legacyRow({
        'lineItem/LineItemType': 'RIFee',
        'reservation/UnusedAmortizedUpfrontFeeForBillingPeriod': '0.0000000000000000000000000001',
        'reservation/UnusedRecurringFee': '1234567890.1E-2',
      }),
    );
    expect(charge.effectiveCost).toBe('12345678.9010000000000000000000000001');
  });

  it('aliases user: tags to their bare names, leaving aws: tags alone', () => {
    const { tags } = mapWith(awsCurFormat, legacyRow());
    expect(tags()).toEqual({
      'aws:createdBy': 'IAMUser:AIDAEXAMPLE:ci',
      'user:team': 'payments',
      team: 'payments',
      'user:env': 'prod',
      env: 'prod',
    });
  });

  it('gives rows with equal tags equal keys, and untagged rows an empty key', () => {
    const a = mapWith(awsCurFormat, legacyRow({ 'identity/LineItemId': 'a' })).charge.tagsKey;
    const b = mapWith(awsCurFormat, legacyRow({ 'identity/LineItemId': 'b' })).charge.tagsKey;
    const other = mapWith(awsCurFormat, legacyRow({ 'resourceTags/user:team': 'search' })).charge.tagsKey;
    // The same values in other columns are other tags.
    const shifted = mapWith(
      awsCurFormat,
      legacyRow({ 'resourceTags/aws:createdBy': '', 'resourceTags/user:team': 'IAMUser:AIDAEXAMPLE:ci' }),
    ).charge.tagsKey;
    const none = mapWith(
      awsCurFormat,
      legacyRow({
        'resourceTags/aws:createdBy': '',
        'resourceTags/user:team': '',
        'resourceTags/user:env': '',
      }),
    );
    expect(a).toBe(b);
    expect(new Set([a, other, shifted]).size).toBe(3);
    expect(none.charge.tagsKey).toBe('');
    expect(none.tags()).toEqual({});
  });

  it('takes the charge period from identity/TimeInterval when the usage dates are empty', () => {
    const { charge } = mapWith(
      awsCurFormat,
      legacyRow({
        'lineItem/UsageStartDate': '',
        'lineItem/UsageEndDate': '',
        'identity/TimeInterval': '2024-06-01T02:00:00Z/2024-06-01T03:00:00Z',
      }),
    );
    expect([charge.chargePeriodStart, charge.chargePeriodEnd]).toEqual([
      Date.UTC(2024, 5, 1, 2),
      Date.UTC(2024, 5, 1, 3),
    ]);
  });

  it('falls back to the product code for the service and to product/region for the region', () => {
    const { charge } = mapWith(
      awsCurFormat,
      legacyRow({ 'product/ProductName': '', 'product/regionCode': '', 'product/region': 'eu-west-1' }),
    );
    expect(charge.service).toBe('AmazonEC2');
    expect(charge.region).toBe('eu-west-1');
  });

  it('reports unreadable cells with the column and the value', () => {
    const cases: [Record<string, string>, string, string][] = [
      [
        { 'lineItem/UnblendedCost': '12,5O' },
        'lineItem/UnblendedCost',
        'lineItem/UnblendedCost: not a decimal number: "12,5O"',
      ],
      [
        { 'pricing/publicOnDemandCost': '$0.10' },
        'pricing/publicOnDemandCost',
        'pricing/publicOnDemandCost: not a decimal number: "$0.10"',
      ],
      [
        { 'lineItem/LineItemType': 'DiscountedUsage', 'reservation/EffectiveCost': 'n/a' },
        'reservation/EffectiveCost',
        'reservation/EffectiveCost: not a decimal number: "n/a"',
      ],
      [
        { 'lineItem/UsageStartDate': '2024-13-01T00:00:00Z' },
        'lineItem/UsageStartDate',
        'lineItem/UsageStartDate: not a date: "2024-13-01T00:00:00Z"',
      ],
      [
        { 'lineItem/UsageEndDate': '2024-05-31T00:00:00Z' },
        'lineItem/UsageEndDate',
        'lineItem/UsageEndDate: before lineItem/UsageStartDate: "2024-05-31T00:00:00Z"',
      ],
      [
        { 'lineItem/UsageStartDate': '', 'identity/TimeInterval': '' },
        'lineItem/UsageStartDate',
        'lineItem/UsageStartDate: empty',
      ],
      [{ 'lineItem/LineItemType': '' }, 'lineItem/LineItemType', 'lineItem/LineItemType: empty'],
      [{ 'bill/PayerAccountId': '' }, 'bill/PayerAccountId', 'bill/PayerAccountId: empty'],
      [
        { 'lineItem/CurrencyCode': 'dollars' },
        'lineItem/CurrencyCode',
        'lineItem/CurrencyCode: not an ISO 4217 currency code: "dollars"',
      ],
    ];
    for (const [over, column, message] of cases) {
      const e = rowError(awsCurFormat, legacyRow(over));
      expect({ column: e.column, message: e.message }).toEqual({ column, message });
    }
  });

  it('keeps account ids as text with their leading zeros', () => {
    const { charge } = mapWith(
      awsCurFormat,
      legacyRow({ 'bill/PayerAccountId': '000000000042', 'lineItem/UsageAccountId': '000000000007' }),
    );
    expect([charge.account, charge.subAccount]).toEqual(['000000000042', '000000000007']);
  });
});

describe('awsCur2Format mapping (CUR 2.0)', () => {
  it('maps a usage row field by field, preferring the net unblended cost', () => {
    const { charge, tags } = mapWith(awsCur2Format, cur2Row());
    expect(charge).toEqual({
      provider: 'AWS',
      account: '012345678901',
      accountName: 'Meterline Payer',
      subAccount: '000123456789',
      subAccountName: 'payments-prod',
      service: 'Amazon Elastic Compute Cloud',
      category: '',
      region: 'us-east-1',
      sku: 'EFGH5678ZW',
      resourceId: 'i-0fedcba9876543210',
      currency: 'USD',
      chargeCategory: 'Usage',
      chargeClass: '',
      chargeDescription: 'c5.2xlarge, Linux',
      chargePeriodStart: Date.UTC(2024, 5, 2, 10),
      chargePeriodEnd: Date.UTC(2024, 5, 2, 11),
      billingPeriodStart: Date.UTC(2024, 5, 1),
      billingPeriodEnd: Date.UTC(2024, 6, 1),
      billedCost: '0.35328',
      effectiveCost: '0.35328',
      listCost: '0.384',
      contractedCost: '0.35328',
      pricingQuantity: '2',
      pricingUnit: 'Hrs',
      invoiceIssuer: 'Amazon Web Services, Inc.',
      publisher: 'Amazon Web Services, Inc.',
      tagsKey: '{"user_team":"search","user_env":"prod"}',
    });
    expect(tags()).toEqual({ user_team: 'search', team: 'search', user_env: 'prod', env: 'prod' });
  });

  it('falls back to the unblended cost where the net cell is empty, but still checks the unblended cell', () => {
    expect(mapWith(awsCur2Format, cur2Row({ line_item_net_unblended_cost: '' })).charge.billedCost).toBe(
      '0.384',
    );
    const e = rowError(awsCur2Format, cur2Row({ line_item_unblended_cost: '0,384' }));
    expect(e.column).toBe('line_item_unblended_cost');
  });

  it('uses the net effective costs of covered usage where present', () => {
    const sp = cur2Row({
      line_item_line_item_type: 'SavingsPlanCoveredUsage',
      savings_plan_savings_plan_effective_cost: '0.2688',
      savings_plan_net_savings_plan_effective_cost: '0.247296',
    });
    expect(mapWith(awsCur2Format, sp).charge.effectiveCost).toBe('0.247296');
    expect(
      mapWith(awsCur2Format, { ...sp, savings_plan_net_savings_plan_effective_cost: '' }).charge
        .effectiveCost,
    ).toBe('0.2688');
    const ri = cur2Row({
      line_item_line_item_type: 'DiscountedUsage',
      line_item_unblended_cost: '0',
      line_item_net_unblended_cost: '0',
      reservation_effective_cost: '0.0612',
      reservation_net_effective_cost: '0.056304',
    });
    expect(mapWith(awsCur2Format, ri).charge).toMatchObject({ billedCost: '0', effectiveCost: '0.056304' });
  });

  it('aliases user_ tags without overwriting a real key of that name', () => {
    const { tags } = mapWith(
      awsCur2Format,
      cur2Row({ resource_tags: '{"team":"legacy-team","user_team":"search","user_cost_center":"0042"}' }),
    );
    expect(tags()).toEqual({
      team: 'legacy-team',
      user_team: 'search',
      user_cost_center: '0042',
      cost_center: '0042',
    });
  });

  it('reads service and region from the product map, else the product code', () => {
    const noColumns = cur2Row({
      product_region_code: '',
      product: '{"region":"eu-west-1","servicename":"SNS"}',
    });
    expect(mapWith(awsCur2Format, noColumns).charge).toMatchObject({
      service: 'AmazonEC2',
      region: 'eu-west-1',
    });
    const e = rowError(awsCur2Format, cur2Row({ product: '{"product_name":' }));
    expect(e.column).toBe('product');
  });

  it('reads the legacy CUR in snake_case shape (one column per tag)', () => {
    const row = cur2Row({ product_product_name: 'Amazon S3', resource_tags_user_team: 'platform' });
    delete row['product'];
    delete row['resource_tags'];
    const { charge, tags } = mapWith(awsCur2Format, row);
    expect(charge.service).toBe('Amazon S3');
    expect(charge.tagsKey).toBe('platform');
    expect(tags()).toEqual({ user_team: 'platform', team: 'platform' });
  });

  it('reports an invalid date naming the CUR 2.0 column', () => {
    const e = rowError(awsCur2Format, cur2Row({ line_item_usage_start_date: '2024-13-01T00:00:00.000Z' }));
    expect({ column: e.column, message: e.message }).toEqual({
      column: 'line_item_usage_start_date',
      message: 'line_item_usage_start_date: not a date: "2024-13-01T00:00:00.000Z"',
    });
  });
});

describe('AWS CUR fixtures', () => {
  it('cur-legacy.csv maps to exactly cur-legacy.expected.json', () => {
    checkFixture(
      awsCurFormat,
      readFixtureCsv(join(FIXTURES, 'aws/cur-legacy.csv')),
      expectedOf(join(FIXTURES, 'aws/cur-legacy.expected.json')),
    );
  });

  it('cur-legacy.csv.gz (the same content, gzip) maps to exactly cur-legacy.expected.json', () => {
    checkFixture(
      awsCurFormat,
      readFixtureCsv(join(FIXTURES, 'aws/cur-legacy.csv.gz')),
      expectedOf(join(FIXTURES, 'aws/cur-legacy.expected.json')),
    );
  });

  it('cur2.csv maps to exactly cur2.expected.json', () => {
    checkFixture(
      awsCur2Format,
      readFixtureCsv(join(FIXTURES, 'aws/cur2.csv')),
      expectedOf(join(FIXTURES, 'aws/cur2.expected.json')),
    );
  });

  it('reads the documented rows of the legacy fixture', () => {
    const { columns, records } = readFixtureCsv(join(FIXTURES, 'aws/cur-legacy.csv'));
    const mapper = awsCurFormat.compile(columns, {});
    const at = (i: number): MappedRow => mapper.map(records[i]!.values);
    expect(at(0).tags()).toMatchObject({ 'user:team': 'payments', team: 'payments' });
    expect(at(6).charge).toMatchObject({
      chargeCategory: 'Usage',
      billedCost: '0.17',
      effectiveCost: '0.1156',
    });
    expect(at(7).charge).toMatchObject({ chargeCategory: 'Usage', billedCost: '-0.17', effectiveCost: '0' });
    expect(at(18).charge).toMatchObject({
      subAccount: '000987654321',
      chargeDescription: 'AWS Lambda - Total Compute,\nus-east-1 (GB-Seconds)',
    });
    expect(at(20).charge.chargePeriodStart).toBe(Date.UTC(2024, 5, 1, 2));
    expect(at(20).tags()).toEqual({ 'aws:createdBy': 'AssumedRole:AROAEXAMPLE:terraform' });
    expect(at(21).charge.service).toBe('AWSCostExplorer');
  });
});
