/**
 * AWS Cost and Usage Reports: the legacy CUR (`lineItem/UnblendedCost` slash columns) and CUR 2.0 from AWS
 * Data Exports (`line_item_unblended_cost` snake_case columns, map columns written as JSON). Both are mapped
 * to the FOCUS concepts of {@link Charge} following AWS's amortised-cost logic (as AWS's CUR query library
 * and the FinOps Foundation's FOCUS converter apply it):
 *
 * - **BilledCost**: `NetUnblendedCost` where the row has one (the cost after negotiated discounts, which is
 *   what the invoice charges when discounts are folded into the line items, as CUR 2.0 does by default),
 *   else `UnblendedCost`. Separate discount line items (`EdpDiscount`, … in the legacy CUR and in CUR 2.0
 *   with "manual discount compatibility") are imported as they are, so the sum of BilledCost over a file
 *   is its invoice total either way. `SavingsPlanCoveredUsage` keeps its on-demand cost and its
 *   `SavingsPlanNegation` cancels it (both Usage), so billed usage per service and team nets out too.
 * - **EffectiveCost** (amortised, as AWS's "amortized cost"): the Savings Plan effective cost on
 *   `SavingsPlanCoveredUsage`, the reservation effective cost on `DiscountedUsage`, `0` on the lines whose
 *   cost is amortised onto that usage (`SavingsPlanNegation`, `SavingsPlanUpfrontFee`, the upfront `Fee` of
 *   a reservation), only the unused part of a commitment on `RIFee` (unused amortised upfront + unused
 *   recurring fee) and `SavingsPlanRecurringFee` (total commitment to date − used commitment; AWS has no
 *   net twin of these two), else the BilledCost. The others prefer their `Net…` column where the row has
 *   one. Without the effective cost columns, covered usage keeps its BilledCost.
 * - **ListCost**: `pricing/publicOnDemandCost`. **ContractedCost**: the BilledCost (AWS's unblended rates
 *   already are the negotiated rates, before commitment discounts).
 * - **ChargeCategory** from `lineItem/LineItemType`: see {@link awsChargeCategory}. ChargeClass is always
 *   null: a CUR does not mark corrections of earlier periods.
 * - provider `AWS`; account = `bill/PayerAccountId` (name from `bill_payer_account_name`, CUR 2.0 only);
 *   subAccount = `lineItem/UsageAccountId` (name from `line_item_usage_account_name`); account ids stay
 *   text. service = `product/ProductName` (CUR 2.0: the `product` map's `product_name`), else
 *   `lineItem/ProductCode`; region = `product/regionCode`, else `product/region` (or the map's `region`);
 *   sku = `product/sku`; ServiceCategory is empty (a CUR has none).
 * - charge period = `lineItem/UsageStartDate`/`EndDate`, else `identity/TimeInterval`; billing period =
 *   `bill/BillingPeriodStartDate`/`EndDate`, else the usage's calendar month.
 * - invoice issuer = `bill/InvoicingEntity`; publisher = `lineItem/LegalEntity` (the seller of record,
 *   e.g. a Marketplace vendor), else `AWS`.
 * - tags: the `resourceTags/…` columns (legacy) or the `resource_tags` map (CUR 2.0), every `user:team` /
 *   `user_team` key also as `team` unless the export has a real `team` key.
 *
 * @packageDocumentation
 */
import Decimal from 'decimal.js';
import { RowError } from '../charge';
import type { Charge, ChargeCategory, MappedRow } from '../charge';
import { TimeReader, checkDecimal, isNull, monthOf, parseJsonTags, readCurrency } from '../values';
import { columnIndex } from './columns';
import type { Detection, ExportFormat, ExportFormatId, RowMapper } from './format';

/** How a line item type's EffectiveCost is derived (see the module comment). */
type Amortisation =
  | 'billed'
  | 'savingsPlanCovered'
  | 'reservationCovered'
  | 'zero'
  | 'reservationFee'
  | 'savingsPlanRecurringFee'
  | 'fee';

/** What each `lineItem/LineItemType` is, keyed in lower case. */
const LINE_ITEM_TYPES = new Map<string, readonly [ChargeCategory, Amortisation]>([
  ['usage', ['Usage', 'billed']],
  ['discountedusage', ['Usage', 'reservationCovered']],
  ['savingsplancoveredusage', ['Usage', 'savingsPlanCovered']],
  // The negation cancels the on-demand cost of SavingsPlanCoveredUsage on the same resource: as Usage it
  // nets that usage's BilledCost to what the invoice charges, per service and team.
  ['savingsplannegation', ['Usage', 'zero']],
  ['fee', ['Purchase', 'fee']],
  ['rifee', ['Purchase', 'reservationFee']],
  ['savingsplanrecurringfee', ['Purchase', 'savingsPlanRecurringFee']],
  ['savingsplanupfrontfee', ['Purchase', 'zero']],
  ['tax', ['Tax', 'billed']],
  ['credit', ['Credit', 'billed']],
  ['refund', ['Credit', 'billed']],
  // FOCUS applies discounts to the rows they discount; discounts written as rows of their own are price
  // reductions after the fact, which FOCUS calls credits (its Credit Handling names bundled discounts).
  ['bundleddiscount', ['Credit', 'billed']],
  ['edpdiscount', ['Credit', 'billed']],
  ['privateratediscount', ['Credit', 'billed']],
  ['distributordiscount', ['Credit', 'billed']],
  ['sppdiscount', ['Credit', 'billed']],
  ['discount', ['Credit', 'billed']],
]);

/**
 * FOCUS `ChargeCategory` of an AWS `lineItem/LineItemType`: `Usage` for usage, reservation-covered
 * (`DiscountedUsage`) and Savings-Plan-covered usage and its negation; `Purchase` for `Fee`, `RIFee`,
 * `SavingsPlanRecurringFee` and `SavingsPlanUpfrontFee`; `Tax`; `Credit` for `Credit`, `Refund` and the
 * discount lines (`BundledDiscount`, `EdpDiscount`, `PrivateRateDiscount`, `DistributorDiscount`,
 * `SppDiscount`, `Discount`); `Adjustment` for a type AWS adds later (FOCUS's category for charges that fit
 * no other), so a new type never stops an import. Case-insensitive.
 */
export function awsChargeCategory(lineItemType: string): ChargeCategory {
  return LINE_ITEM_TYPES.get(lineItemType.trim().toLowerCase())?.[0] ?? 'Adjustment';
}

/** The columns the two CUR shapes name differently. `''`: the shape has no such column. */
interface CurColumns {
  lineItemId: string;
  timeInterval: string;
  payer: string;
  payerName: string;
  billingStart: string;
  billingEnd: string;
  invoicingEntity: string;
  usageAccount: string;
  usageAccountName: string;
  lineItemType: string;
  usageStart: string;
  usageEnd: string;
  productCode: string;
  usageAmount: string;
  currency: string;
  unblended: string;
  netUnblended: string;
  description: string;
  resourceId: string;
  legalEntity: string;
  productName: string;
  /** A map column of product attributes written as JSON (CUR 2.0). */
  productMap: string;
  regionCode: string;
  region: string;
  sku: string;
  pricingUnit: string;
  publicOnDemandCost: string;
  reservationArn: string;
  reservationEffective: string;
  reservationNetEffective: string;
  reservationUnusedUpfront: string;
  reservationNetUnusedUpfront: string;
  reservationUnusedRecurring: string;
  reservationNetUnusedRecurring: string;
  savingsPlanEffective: string;
  savingsPlanNetEffective: string;
  savingsPlanTotalCommitment: string;
  savingsPlanUsedCommitment: string;
  /** A map column of resource tags written as JSON (CUR 2.0). */
  tagsMap: string;
  /** Prefix of one-column-per-tag columns (legacy CUR). */
  tagColumnPrefix: string;
  /** What separates a tag's `user` prefix from its name: `user:team` (legacy), `user_team` (CUR 2.0). */
  userTagPrefix: string;
}

const LEGACY: CurColumns = {
  lineItemId: 'identity/LineItemId',
  timeInterval: 'identity/TimeInterval',
  payer: 'bill/PayerAccountId',
  payerName: '',
  billingStart: 'bill/BillingPeriodStartDate',
  billingEnd: 'bill/BillingPeriodEndDate',
  invoicingEntity: 'bill/InvoicingEntity',
  usageAccount: 'lineItem/UsageAccountId',
  usageAccountName: '',
  lineItemType: 'lineItem/LineItemType',
  usageStart: 'lineItem/UsageStartDate',
  usageEnd: 'lineItem/UsageEndDate',
  productCode: 'lineItem/ProductCode',
  usageAmount: 'lineItem/UsageAmount',
  currency: 'lineItem/CurrencyCode',
  unblended: 'lineItem/UnblendedCost',
  netUnblended: 'lineItem/NetUnblendedCost',
  description: 'lineItem/LineItemDescription',
  resourceId: 'lineItem/ResourceId',
  legalEntity: 'lineItem/LegalEntity',
  productName: 'product/ProductName',
  productMap: '',
  regionCode: 'product/regionCode',
  region: 'product/region',
  sku: 'product/sku',
  pricingUnit: 'pricing/unit',
  publicOnDemandCost: 'pricing/publicOnDemandCost',
  reservationArn: 'reservation/ReservationARN',
  reservationEffective: 'reservation/EffectiveCost',
  reservationNetEffective: 'reservation/NetEffectiveCost',
  reservationUnusedUpfront: 'reservation/UnusedAmortizedUpfrontFeeForBillingPeriod',
  reservationNetUnusedUpfront: 'reservation/NetUnusedAmortizedUpfrontFeeForBillingPeriod',
  reservationUnusedRecurring: 'reservation/UnusedRecurringFee',
  reservationNetUnusedRecurring: 'reservation/NetUnusedRecurringFee',
  savingsPlanEffective: 'savingsPlan/SavingsPlanEffectiveCost',
  savingsPlanNetEffective: 'savingsPlan/NetSavingsPlanEffectiveCost',
  savingsPlanTotalCommitment: 'savingsPlan/TotalCommitmentToDate',
  savingsPlanUsedCommitment: 'savingsPlan/UsedCommitment',
  tagsMap: '',
  tagColumnPrefix: 'resourceTags/',
  userTagPrefix: 'user:',
};

/**
 * CUR 2.0 names. The legacy CUR delivered as Parquet/Athena uses the same snake_case names, but one column
 * per tag (`resource_tags_user_team`) and `product_product_name`: both shapes are read.
 */
const SNAKE: CurColumns = {
  lineItemId: 'identity_line_item_id',
  timeInterval: 'identity_time_interval',
  payer: 'bill_payer_account_id',
  payerName: 'bill_payer_account_name',
  billingStart: 'bill_billing_period_start_date',
  billingEnd: 'bill_billing_period_end_date',
  invoicingEntity: 'bill_invoicing_entity',
  usageAccount: 'line_item_usage_account_id',
  usageAccountName: 'line_item_usage_account_name',
  lineItemType: 'line_item_line_item_type',
  usageStart: 'line_item_usage_start_date',
  usageEnd: 'line_item_usage_end_date',
  productCode: 'line_item_product_code',
  usageAmount: 'line_item_usage_amount',
  currency: 'line_item_currency_code',
  unblended: 'line_item_unblended_cost',
  netUnblended: 'line_item_net_unblended_cost',
  description: 'line_item_line_item_description',
  resourceId: 'line_item_resource_id',
  legalEntity: 'line_item_legal_entity',
  productName: 'product_product_name',
  productMap: 'product',
  regionCode: 'product_region_code',
  region: 'product_region',
  sku: 'product_sku',
  pricingUnit: 'pricing_unit',
  publicOnDemandCost: 'pricing_public_on_demand_cost',
  reservationArn: 'reservation_reservation_a_r_n',
  reservationEffective: 'reservation_effective_cost',
  reservationNetEffective: 'reservation_net_effective_cost',
  reservationUnusedUpfront: 'reservation_unused_amortized_upfront_fee_for_billing_period',
  reservationNetUnusedUpfront: 'reservation_net_unused_amortized_upfront_fee_for_billing_period',
  reservationUnusedRecurring: 'reservation_unused_recurring_fee',
  reservationNetUnusedRecurring: 'reservation_net_unused_recurring_fee',
  savingsPlanEffective: 'savings_plan_savings_plan_effective_cost',
  savingsPlanNetEffective: 'savings_plan_net_savings_plan_effective_cost',
  savingsPlanTotalCommitment: 'savings_plan_total_commitment_to_date',
  savingsPlanUsedCommitment: 'savings_plan_used_commitment',
  tagsMap: 'resource_tags',
  tagColumnPrefix: 'resource_tags_',
  userTagPrefix: 'user_',
};

/** The columns a header must have to be read as a CUR (the rest are optional). */
function mandatory(names: CurColumns): string[] {
  return [
    names.payer,
    names.usageAccount,
    names.lineItemType,
    names.usageStart,
    names.productCode,
    names.currency,
    names.unblended,
  ];
}

function text(cell: string | undefined): string {
  return isNull(cell) ? '' : cell;
}

/**
 * Exact decimal arithmetic for the few derived costs (sums and differences of fee columns): decimal.js
 * only rounds a result longer than its precision, and 1000 significant digits is far past any export amount.
 */
const Exact = Decimal.clone({ precision: 1000 });

function plus(a: string, b: string): string {
  const sum = new Exact(a).plus(b);
  return sum.isZero() ? '0' : sum.toFixed();
}

function minus(a: string, b: string): string {
  const difference = new Exact(a).minus(b);
  return difference.isZero() ? '0' : difference.toFixed();
}

/**
 * `tags` with every `user`-prefixed key (`user:team`, `user_team`) also under its bare name (`team`), so
 * teams are found by the same key as on every other provider. A bare key the export has itself wins.
 */
function withUserAliases(tags: Record<string, string>, prefix: string): Record<string, string> {
  for (const key of Object.keys(tags)) {
    if (key.length <= prefix.length || key.slice(0, prefix.length).toLowerCase() !== prefix) continue;
    const alias = key.slice(prefix.length);
    if (!Object.prototype.hasOwnProperty.call(tags, alias)) tags[alias] = tags[key]!;
  }
  return tags;
}

/** Product name and region from CUR 2.0's `product` map column. */
interface ProductAttributes {
  name: string;
  region: string;
}

function productAttributes(cell: string, column: string): ProductAttributes {
  const map = parseJsonTags(cell, column);
  return { name: map['product_name'] ?? '', region: map['region_code'] ?? map['region'] ?? '' };
}

function compileCur(columns: readonly string[], names: CurColumns): RowMapper {
  const index = columnIndex(columns);
  const at = (name: string): number => (name === '' ? -1 : (index.get(name.toLowerCase()) ?? -1));
  /** The header's own spelling of a column, for error messages. */
  const label = (i: number, fallback: string): string =>
    i >= 0 ? (columns[i]?.trim() ?? fallback) : fallback;

  const cTimeInterval = at(names.timeInterval);
  const cPayer = at(names.payer);
  const cPayerName = at(names.payerName);
  const cBillingStart = at(names.billingStart);
  const cBillingEnd = at(names.billingEnd);
  const cInvoicingEntity = at(names.invoicingEntity);
  const cUsageAccount = at(names.usageAccount);
  const cUsageAccountName = at(names.usageAccountName);
  const cType = at(names.lineItemType);
  const cUsageStart = at(names.usageStart);
  const cUsageEnd = at(names.usageEnd);
  const cProductCode = at(names.productCode);
  const cUsageAmount = at(names.usageAmount);
  const cCurrency = at(names.currency);
  const cUnblended = at(names.unblended);
  const cNetUnblended = at(names.netUnblended);
  const cDescription = at(names.description);
  const cResource = at(names.resourceId);
  const cLegalEntity = at(names.legalEntity);
  const cProductName = at(names.productName);
  const cProductMap = at(names.productMap);
  const cRegionCode = at(names.regionCode);
  const cRegion = at(names.region);
  const cSku = at(names.sku);
  const cPricingUnit = at(names.pricingUnit);
  const cPublicOnDemand = at(names.publicOnDemandCost);
  const cReservationArn = at(names.reservationArn);
  const cRiEffective = at(names.reservationEffective);
  const cRiNetEffective = at(names.reservationNetEffective);
  const cRiUnusedUpfront = at(names.reservationUnusedUpfront);
  const cRiNetUnusedUpfront = at(names.reservationNetUnusedUpfront);
  const cRiUnusedRecurring = at(names.reservationUnusedRecurring);
  const cRiNetUnusedRecurring = at(names.reservationNetUnusedRecurring);
  const cSpEffective = at(names.savingsPlanEffective);
  const cSpNetEffective = at(names.savingsPlanNetEffective);
  const cSpTotalCommitment = at(names.savingsPlanTotalCommitment);
  const cSpUsedCommitment = at(names.savingsPlanUsedCommitment);
  const cTagsMap = at(names.tagsMap);

  const nPayer = label(cPayer, names.payer);
  const nType = label(cType, names.lineItemType);
  const nUsageStart = label(cUsageStart, names.usageStart);
  const nUsageEnd = label(cUsageEnd, names.usageEnd);
  const nCurrency = label(cCurrency, names.currency);
  const nProductMap = label(cProductMap, names.productMap);
  const nTagsMap = label(cTagsMap, names.tagsMap);

  // One column per tag (legacy CUR, and legacy CUR in Athena shape when there is no map column).
  const tagColumns: { index: number; key: string }[] = [];
  if (cTagsMap < 0) {
    const prefix = names.tagColumnPrefix.toLowerCase();
    columns.forEach((name, i) => {
      const trimmed = name.trim();
      if (trimmed.length > prefix.length && trimmed.slice(0, prefix.length).toLowerCase() === prefix)
        tagColumns.push({ index: i, key: trimmed.slice(prefix.length) });
    });
  }
  const userPrefix = names.userTagPrefix;

  /** A money column, preferring its `Net…` twin where the row has a value there. */
  const netOr = (
    values: readonly (string | undefined)[],
    net: number,
    gross: number,
    fallback = '0',
  ): string => {
    const netCell = net < 0 ? undefined : values[net];
    if (!isNull(netCell)) return checkDecimal(netCell, label(net, ''));
    return gross < 0 ? fallback : checkDecimal(values[gross], label(gross, ''), fallback);
  };

  const times = new TimeReader();
  // Product maps repeat on every row of a product: parse each distinct one once.
  const products = new Map<string, ProductAttributes>();

  return {
    map(values: readonly (string | undefined)[]): MappedRow {
      const cell = (i: number): string | undefined => (i < 0 ? undefined : values[i]);

      const typeCell = cell(cType);
      if (isNull(typeCell)) throw new RowError(`${nType}: empty`, nType);
      const kind = LINE_ITEM_TYPES.get(typeCell.trim().toLowerCase());
      const chargeCategory = kind?.[0] ?? 'Adjustment';
      const amortisation = kind?.[1] ?? 'billed';

      const payer = cell(cPayer);
      if (isNull(payer)) throw new RowError(`${nPayer}: empty`, nPayer);

      // The usage period, or the line's `identity/TimeInterval` (`start/end`) where a line has none.
      let startCell = cell(cUsageStart);
      let endCell = cell(cUsageEnd);
      if (isNull(startCell) || isNull(endCell)) {
        const interval = cell(cTimeInterval);
        const slash = isNull(interval) ? -1 : interval.indexOf('/');
        if (slash > 0) {
          if (isNull(startCell)) startCell = interval!.slice(0, slash);
          if (isNull(endCell)) endCell = interval!.slice(slash + 1);
        }
      }
      const chargePeriodStart = times.read(startCell, nUsageStart);
      const chargePeriodEnd = isNull(endCell) ? chargePeriodStart : times.read(endCell, nUsageEnd);
      if (chargePeriodEnd < chargePeriodStart)
        throw new RowError(`${nUsageEnd}: before ${nUsageStart}: ${JSON.stringify(endCell)}`, nUsageEnd);
      const month = monthOf(chargePeriodStart);

      // The unblended cost is the one cost column every CUR has: check it even where a net cost is used.
      const unblended = checkDecimal(cell(cUnblended), label(cUnblended, names.unblended));
      const billedCost = netOr(values, cNetUnblended, -1, unblended);

      let effectiveCost: string;
      switch (amortisation) {
        case 'savingsPlanCovered':
          effectiveCost =
            cSpEffective < 0 && cSpNetEffective < 0
              ? billedCost
              : netOr(values, cSpNetEffective, cSpEffective);
          break;
        case 'reservationCovered':
          effectiveCost =
            cRiEffective < 0 && cRiNetEffective < 0
              ? billedCost
              : netOr(values, cRiNetEffective, cRiEffective);
          break;
        case 'zero':
          effectiveCost = '0';
          break;
        case 'reservationFee':
          effectiveCost = plus(
            netOr(values, cRiNetUnusedUpfront, cRiUnusedUpfront),
            netOr(values, cRiNetUnusedRecurring, cRiUnusedRecurring),
          );
          break;
        case 'savingsPlanRecurringFee':
          effectiveCost =
            cSpTotalCommitment < 0 || cSpUsedCommitment < 0
              ? '0'
              : minus(
                  checkDecimal(cell(cSpTotalCommitment), label(cSpTotalCommitment, '')),
                  checkDecimal(cell(cSpUsedCommitment), label(cSpUsedCommitment, '')),
                );
          break;
        case 'fee':
          // A reservation's upfront fee is amortised onto the usage it covers.
          effectiveCost = isNull(cell(cReservationArn)) ? billedCost : '0';
          break;
        default:
          effectiveCost = billedCost;
      }

      let productName = text(cell(cProductName));
      let region = text(cell(cRegionCode)) || text(cell(cRegion));
      const productCell = cell(cProductMap);
      if ((productName === '' || region === '') && !isNull(productCell)) {
        let product = products.get(productCell);
        if (product === undefined) {
          product = productAttributes(productCell, nProductMap);
          if (products.size >= 10_000) products.clear();
          products.set(productCell, product);
        }
        if (productName === '') productName = product.name;
        if (region === '') region = product.region;
      }

      let tagsKey: string;
      let tags: () => Record<string, string>;
      if (cTagsMap >= 0) {
        const tagsCell = cell(cTagsMap);
        tagsKey = text(tagsCell);
        tags = () => withUserAliases(parseJsonTags(tagsCell, nTagsMap), userPrefix);
      } else {
        // Equal tag cells give equal keys; \u0001 appears in no tag value AWS accepts.
        const cells = tagColumns.map((t) => text(values[t.index]));
        tagsKey = cells.some((c) => c !== '') ? cells.join('\u0001') : '';
        tags = () => {
          const out: Record<string, string> = {};
          tagColumns.forEach((t, i) => {
            if (cells[i] !== '') out[t.key] = cells[i]!;
          });
          return withUserAliases(out, userPrefix);
        };
      }

      const legalEntity = text(cell(cLegalEntity));
      const charge: Charge = {
        provider: 'AWS',
        account: payer,
        accountName: text(cell(cPayerName)),
        subAccount: text(cell(cUsageAccount)),
        subAccountName: text(cell(cUsageAccountName)),
        service: productName || text(cell(cProductCode)),
        // CUR has no FOCUS ServiceCategory (AWS's FOCUS export derives it from a product table).
        category: '',
        region,
        sku: text(cell(cSku)),
        resourceId: text(cell(cResource)),
        currency: readCurrency(cell(cCurrency), nCurrency),
        chargeCategory,
        chargeClass: '',
        chargeDescription: text(cell(cDescription)),
        chargePeriodStart,
        chargePeriodEnd,
        billingPeriodStart: times.readOr(cell(cBillingStart), label(cBillingStart, ''), month.start),
        billingPeriodEnd: times.readOr(cell(cBillingEnd), label(cBillingEnd, ''), month.end),
        billedCost,
        effectiveCost,
        listCost: checkDecimal(cell(cPublicOnDemand), label(cPublicOnDemand, '')),
        contractedCost: billedCost,
        pricingQuantity: checkDecimal(cell(cUsageAmount), label(cUsageAmount, '')),
        pricingUnit: text(cell(cPricingUnit)),
        invoiceIssuer: text(cell(cInvoicingEntity)) || legalEntity || 'AWS',
        publisher: legalEntity || 'AWS',
        tagsKey,
      };
      return { charge, tags };
    },
  };
}

function detectCur(columns: readonly string[], names: CurColumns): string[] {
  const index = columnIndex(columns);
  return mandatory(names).filter((name) => !index.has(name.toLowerCase()));
}

function curFormat(
  id: ExportFormatId,
  name: string,
  names: CurColumns,
  variant: (index: ReadonlyMap<string, number>) => string,
): ExportFormat {
  return {
    id,
    name,
    detect(columns: readonly string[]): Detection {
      const missing = detectCur(columns, names);
      return missing.length > 0
        ? { ok: false, missing }
        : { ok: true, variant: variant(columnIndex(columns)) };
    },
    compile(columns: readonly string[]): RowMapper {
      return compileCur(columns, names);
    },
  };
}

/** The legacy AWS Cost and Usage Report as CSV (`identity/LineItemId`, `lineItem/UnblendedCost`, …). */
export const awsCurFormat: ExportFormat = curFormat(
  'aws-cur',
  'AWS CUR (legacy)',
  LEGACY,
  () => 'AWS CUR (legacy)',
);

/**
 * AWS CUR 2.0 from Data Exports (`line_item_unblended_cost`, `resource_tags` and `product` map columns
 * written as JSON), and the legacy CUR in the same snake_case shape (Athena/Parquet delivery, one
 * `resource_tags_user_*` column per tag), reported as variant `AWS CUR (legacy, snake_case)`.
 */
export const awsCur2Format: ExportFormat = curFormat('aws-cur2', 'AWS CUR 2.0', SNAKE, (index) =>
  !index.has('resource_tags') && !index.has('product') && index.has('product_product_name')
    ? 'AWS CUR (legacy, snake_case)'
    : 'AWS CUR 2.0',
);
