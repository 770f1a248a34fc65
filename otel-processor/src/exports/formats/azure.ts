/**
 * Azure Cost Management cost details ("usage details") exports: Enterprise Agreement (PascalCase header,
 * `CostInBillingCurrency`, `BillingCurrency`/`BillingCurrencyCode`), Microsoft Customer Agreement and
 * pay-as-you-go (camelCase header with a few PascalCase names such as `SubscriptionId`, `ResourceId`,
 * `PayGPrice`; `costInBillingCurrency`, `paygCostInBillingCurrency`, `pricingCurrency`), and the older
 * pay-as-you-go usage file (`SubscriptionGuid`, `UsageDateTime`, `PreTaxCost`, `Currency`). Column names
 * are matched case-insensitively; dates are `MM/DD/YYYY` or ISO 8601; tags are JSON or Azure's JSON
 * without braces (`"env": "prod","team": "web"`).
 *
 * Mapping to {@link Charge}:
 *
 * | Charge | Azure column |
 * |---|---|
 * | provider / invoiceIssuer | `Microsoft` |
 * | account / accountName | `BillingAccountId` (else `BillingProfileId`, else the subscription: a legacy pay-as-you-go subscription is its own account) / `BillingAccountName` |
 * | subAccount / subAccountName | `SubscriptionId` (`SubscriptionGuid`) / `SubscriptionName` |
 * | service | `MeterCategory`, else `ConsumedService`, else `ServiceName` (purchases have no meter) |
 * | sku / chargeDescription | `MeterId` / `MeterName`, else `ProductName`, else `ProductOrderName` |
 * | region / resourceId | `ResourceLocation`, else `MeterRegion` / `ResourceId` (`InstanceId`) |
 * | currency | `BillingCurrency` (`BillingCurrencyCode`, `Currency`) |
 * | ChargeCategory | `ChargeType`: Usage, UnusedReservation, UnusedSavingsPlan → Usage; Purchase → Purchase; Refund → Credit; Tax → Tax; RoundingAdjustment → Adjustment; none (legacy file) → Usage |
 * | ChargePeriodStart/End | the day of `Date` (`UsageDateTime`) and the next day |
 * | BillingPeriodStart/End | `BillingPeriodStartDate` and the day after `BillingPeriodEndDate` (Azure's end date is the period's last day); the month of `Date` when absent |
 * | PricingQuantity / PricingUnit | `Quantity` (`UsageQuantity`) / `UnitOfMeasure` |
 * | publisher | `PublisherName`, else `Microsoft` |
 * | tags / tagsKey | `Tags` / the raw `Tags` cell |
 *
 * Costs (`cost` = `CostInBillingCurrency`, `Cost` or `PreTaxCost`), by {@link FormatOptions.azureCostType}:
 *
 * - **actual** (default; the invoice view): BilledCost = EffectiveCost = cost. Commitment purchases are
 *   billed when bought (ChargeType Purchase) and the usage they cover costs 0.
 * - **amortized**: EffectiveCost = cost, which for usage covered by a reservation or savings plan is its
 *   share of the commitment, and for `UnusedReservation`/`UnusedSavingsPlan` rows the unused share.
 *   Those shares were billed by the purchase, so their BilledCost is 0. A commitment purchase or refund
 *   (ChargeType Purchase/Refund with PricingModel Reservation/SavingsPlan; amortized files list purchases
 *   with cost 0 or not at all) keeps BilledCost = cost and has EffectiveCost 0: its cost is already spread
 *   over the usage rows. So an amortized file's BilledCost total is not the invoice total; import the
 *   actual file to reconcile with invoices.
 *
 * ListCost (public prices) and ContractedCost (negotiated prices, before commitment discounts), computed
 * exactly, for usage rows (Usage, UnusedReservation, UnusedSavingsPlan):
 *
 * - ListCost = `PayGPrice` × `Quantity` when the prices are in the billing currency (no `pricingCurrency`,
 *   or the same one); else `paygCostInBillingCurrency`; else `PayGPrice` × `Quantity` ×
 *   `exchangeRatePricingToBilling`; else cost.
 * - ContractedCost = `UnitPrice` × `Quantity`, with the same currency rule (`UnitPrice` × `Quantity` ×
 *   `exchangeRatePricingToBilling` for MCA prices in another currency); else cost.
 * - A price of 0 on a row whose cost is not 0 (Marketplace rows list no prices) counts as no price.
 * - Purchases, refunds, tax and rounding adjustments have no unit price: ListCost = ContractedCost = cost.
 *
 * @packageDocumentation
 */
import Decimal from 'decimal.js';
import { RowError, type Charge, type ChargeCategory, type MappedRow } from '../charge';
import { checkDecimal, isNull, monthOf, parseJsonTags, TimeReader } from '../values';
import { columnIndex } from './columns';
import type { Detection, ExportFormat, FormatOptions, RowMapper } from './format';

/**
 * Exact decimal arithmetic for price × quantity (× exchange rate): decimal.js only rounds a result longer
 * than its precision, and 1000 significant digits is far past any product of export values (28 decimal
 * places each), so every product here is exact. `D` (40 digits) would round long tails.
 */
const Exact = Decimal.clone({ precision: 1000, toExpNeg: -31, toExpPos: 40 });

const PROVIDER = 'Microsoft';
const DAY_MS = 86_400_000;

/**
 * Each logical column and the header names that carry it across EA, MCA and legacy files, compared case
 * insensitively; the first name is the one error messages use when the column is absent.
 */
const ALIASES = {
  billingAccountId: ['BillingAccountId'],
  billingAccountName: ['BillingAccountName'],
  billingProfileId: ['BillingProfileId'],
  subscriptionId: ['SubscriptionId', 'SubscriptionGuid'],
  subscriptionName: ['SubscriptionName'],
  date: ['Date', 'UsageDateTime', 'UsageDate'],
  billingPeriodStart: ['BillingPeriodStartDate'],
  billingPeriodEnd: ['BillingPeriodEndDate'],
  cost: ['CostInBillingCurrency', 'Cost', 'PreTaxCost'],
  currency: ['BillingCurrency', 'BillingCurrencyCode', 'Currency'],
  pricingCurrency: ['PricingCurrency', 'PricingCurrencyCode'],
  quantity: ['Quantity', 'UsageQuantity', 'ConsumedQuantity'],
  unit: ['UnitOfMeasure', 'Unit'],
  paygPrice: ['PayGPrice'],
  paygCost: ['PaygCostInBillingCurrency'],
  exchangeRate: ['ExchangeRatePricingToBilling'],
  unitPrice: ['UnitPrice'],
  chargeType: ['ChargeType'],
  pricingModel: ['PricingModel'],
  meterCategory: ['MeterCategory'],
  consumedService: ['ConsumedService'],
  serviceName: ['ServiceName'],
  meterId: ['MeterId'],
  meterName: ['MeterName'],
  productName: ['ProductName', 'Product'],
  productOrderName: ['ProductOrderName'],
  resourceLocation: ['ResourceLocation'],
  meterRegion: ['MeterRegion'],
  resourceId: ['ResourceId', 'InstanceId'],
  tags: ['Tags'],
  publisherName: ['PublisherName'],
} as const;

type Logical = keyof typeof ALIASES;

/** Logical columns every Azure cost details file has. */
const REQUIRED: readonly Logical[] = ['subscriptionId', 'date', 'cost', 'currency', 'meterId'];

/** Columns only MCA (and MPA) files have: prices in a pricing currency converted to the billing currency. */
const MCA_ONLY = [
  'pricingcurrency',
  'costinpricingcurrency',
  'exchangeratepricingtobilling',
  'paygcostinbillingcurrency',
  'costinusd',
  'publisherid',
  'serviceperiodstartdate',
];
/** Columns only EA files have (enrollment accounts). */
const EA_ONLY = ['accountownerid', 'accountname', 'accountid'];
/** Names only the older pay-as-you-go usage file uses. */
const LEGACY = ['subscriptionguid', 'usagedatetime', 'pretaxcost'];

function find(index: Map<string, number>, logical: Logical): number | undefined {
  for (const alias of ALIASES[logical]) {
    const i = index.get(alias.toLowerCase());
    if (i !== undefined) return i;
  }
  return undefined;
}

/** Text of an optional cell: `''` for empty or `NULL`. */
function text(cell: string | undefined): string {
  return isNull(cell) ? '' : cell;
}

/** Whether decimal text (already checked) is zero: no non-zero digit before any exponent. */
function isZero(decimal: string): boolean {
  for (let k = 0; k < decimal.length; k++) {
    const c = decimal.charCodeAt(k);
    if (c === 101 || c === 69) return true; // e, E
    if (c >= 49 && c <= 57) return false;
  }
  return true;
}

/** How a `ChargeType` is treated. */
interface ChargeKind {
  category: ChargeCategory;
  /** Usage-like rows have unit prices (list and contracted cost from prices). */
  usage: boolean;
  /** An unused-commitment row (amortized only). */
  unused: boolean;
  /** A purchase or refund: a commitment one has no effective cost in amortized files. */
  transaction: boolean;
}

const USAGE: ChargeKind = { category: 'Usage', usage: true, unused: false, transaction: false };
const UNUSED: ChargeKind = { category: 'Usage', usage: true, unused: true, transaction: false };
/**
 * `ChargeType` (blanks removed, lower case) → treatment. A Map: a cell such as `constructor` must not find
 * an object property.
 */
const CHARGE_TYPES: ReadonlyMap<string, ChargeKind> = new Map<string, ChargeKind>([
  ['usage', USAGE],
  ['unusedreservation', UNUSED],
  ['unusedsavingsplan', UNUSED],
  ['purchase', { category: 'Purchase', usage: false, unused: false, transaction: true }],
  ['refund', { category: 'Credit', usage: false, unused: false, transaction: true }],
  ['tax', { category: 'Tax', usage: false, unused: false, transaction: false }],
  ['roundingadjustment', { category: 'Adjustment', usage: false, unused: false, transaction: false }],
]);

/** Whether a `PricingModel` is a commitment (`Reservation`, `SavingsPlan`, `Savings Plan`). */
function isCommitment(pricingModel: string): boolean {
  const m = pricingModel.replace(/\s+/g, '').toLowerCase();
  return m === 'reservation' || m === 'savingsplan';
}

/** The Azure cost details export format (id `azure`); see the module documentation for the mapping. */
export const azureFormat: ExportFormat = {
  id: 'azure',
  name: 'Azure cost details (EA, MCA, pay-as-you-go; actual or amortized)',

  detect(columns: readonly string[]): Detection {
    const index = columnIndex(columns);
    const missing = REQUIRED.filter((logical) => find(index, logical) === undefined).map(
      (logical) => ALIASES[logical][0],
    );
    if (missing.length > 0) return { ok: false, missing };
    const has = (names: readonly string[]): boolean => names.some((n) => index.has(n));
    // The majority of the names decides the style: MCA headers are camelCase with a few PascalCase names.
    let lower = 0;
    let upper = 0;
    for (const c of columns) {
      const first = c
        .replace(/^\uFEFF/, '')
        .trim()
        .charAt(0);
      if (first >= 'a' && first <= 'z') lower++;
      else if (first >= 'A' && first <= 'Z') upper++;
    }
    const style = lower > upper ? 'camelCase' : 'PascalCase';
    const agreement = has(LEGACY)
      ? 'pay-as-you-go legacy'
      : has(MCA_ONLY)
        ? 'MCA'
        : has(EA_ONLY)
          ? 'EA'
          : 'cost details';
    return { ok: true, variant: `Azure ${agreement} (${style})` };
  },

  compile(columns: readonly string[], options: FormatOptions): RowMapper {
    const amortized = (options.azureCostType ?? 'actual') === 'amortized';
    const index = columnIndex(columns);
    /** Index and header name (as written, for error messages) of a logical column; index -1 when absent. */
    const col = (logical: Logical): { i: number; name: string } => {
      const i = find(index, logical);
      return i === undefined
        ? { i: -1, name: ALIASES[logical][0] }
        : { i, name: columns[i]!.replace(/^\uFEFF/, '').trim() };
    };
    const billingAccountId = col('billingAccountId');
    const billingAccountName = col('billingAccountName');
    const billingProfileId = col('billingProfileId');
    const subscriptionId = col('subscriptionId');
    const subscriptionName = col('subscriptionName');
    const date = col('date');
    const periodStart = col('billingPeriodStart');
    const periodEnd = col('billingPeriodEnd');
    const cost = col('cost');
    const currency = col('currency');
    const pricingCurrency = col('pricingCurrency');
    const quantity = col('quantity');
    const unit = col('unit');
    const paygPrice = col('paygPrice');
    const paygCost = col('paygCost');
    const exchangeRate = col('exchangeRate');
    const unitPrice = col('unitPrice');
    const chargeType = col('chargeType');
    const pricingModel = col('pricingModel');
    const meterCategory = col('meterCategory');
    const consumedService = col('consumedService');
    const serviceName = col('serviceName');
    const meterId = col('meterId');
    const meterName = col('meterName');
    const productName = col('productName');
    const productOrderName = col('productOrderName');
    const resourceLocation = col('resourceLocation');
    const meterRegion = col('meterRegion');
    const resourceId = col('resourceId');
    const tags = col('tags');
    const publisherName = col('publisherName');
    const times = new TimeReader();
    const at = (values: readonly (string | undefined)[], c: { i: number }): string | undefined =>
      c.i < 0 ? undefined : values[c.i];
    /** A price cell as decimal text, or undefined when it is empty or a 0 that cannot explain `costText`. */
    const price = (
      values: readonly (string | undefined)[],
      c: { i: number; name: string },
      costText: string,
    ): string | undefined => {
      const cell = at(values, c);
      if (isNull(cell)) return undefined;
      const p = checkDecimal(cell, c.name);
      return isZero(p) && !isZero(costText) ? undefined : p;
    };

    return {
      map(values: readonly (string | undefined)[]): MappedRow {
        const subscription = text(at(values, subscriptionId));
        const account =
          text(at(values, billingAccountId)) || text(at(values, billingProfileId)) || subscription;
        if (account === '')
          throw new RowError(`${billingAccountId.name}: empty (and no subscription)`, billingAccountId.name);
        const currencyCode = text(at(values, currency)).trim();
        if (currencyCode === '') throw new RowError(`${currency.name}: empty`, currency.name);
        const costText = checkDecimal(at(values, cost), cost.name);
        const quantityCell = at(values, quantity);
        const quantityText = checkDecimal(quantityCell, quantity.name);

        const typeCell = at(values, chargeType);
        let kind = USAGE;
        if (!isNull(typeCell)) {
          const k = CHARGE_TYPES.get(typeCell.replace(/\s+/g, '').toLowerCase());
          if (k === undefined)
            throw new RowError(
              `${chargeType.name}: unknown charge type: ${JSON.stringify(typeCell)}`,
              chargeType.name,
            );
          kind = k;
        }
        const commitment = isCommitment(text(at(values, pricingModel)));

        let billed = costText;
        let effective = costText;
        if (amortized && commitment) {
          if (kind.usage) billed = '0';
          else if (kind.transaction) effective = '0';
        } else if (amortized && kind.unused) billed = '0';

        let list = costText;
        let contracted = costText;
        if (kind.usage && !isNull(quantityCell)) {
          const pc = text(at(values, pricingCurrency)).trim();
          const sameCurrency = pc === '' || pc.toUpperCase() === currencyCode.toUpperCase();
          const rateCell = at(values, exchangeRate);
          const rate = isNull(rateCell) ? undefined : checkDecimal(rateCell, exchangeRate.name);
          const q = new Exact(quantityText);
          const payg = price(values, paygPrice, costText);
          const paygTotal = price(values, paygCost, costText);
          if (payg !== undefined && sameCurrency) list = q.times(payg).toString();
          else if (paygTotal !== undefined) list = paygTotal;
          else if (payg !== undefined && rate !== undefined) list = q.times(payg).times(rate).toString();
          const negotiated = price(values, unitPrice, costText);
          if (negotiated !== undefined && sameCurrency) contracted = q.times(negotiated).toString();
          else if (negotiated !== undefined && rate !== undefined)
            contracted = q.times(negotiated).times(rate).toString();
        } else if (kind.usage) {
          // No quantity: a PayG total in the billing currency is still a list cost.
          const paygTotal = price(values, paygCost, costText);
          if (paygTotal !== undefined) list = paygTotal;
        }

        const chargeStart = times.read(at(values, date), date.name);
        const startCell = at(values, periodStart);
        const endCell = at(values, periodEnd);
        let billing: { start: number; end: number };
        if (isNull(startCell) || isNull(endCell)) billing = monthOf(chargeStart);
        else {
          const s = times.read(startCell, periodStart.name);
          // Azure writes the period's last day (06/30/2024): the exclusive end is the day after.
          const e = times.read(endCell, periodEnd.name) + DAY_MS;
          if (e <= s)
            throw new RowError(
              `${periodEnd.name}: ${JSON.stringify(endCell)} is before ${periodStart.name} ${JSON.stringify(startCell)}`,
              periodEnd.name,
            );
          billing = { start: s, end: e };
        }

        const tagsCell = at(values, tags);
        const charge: Charge = {
          provider: PROVIDER,
          account,
          accountName: text(at(values, billingAccountName)),
          subAccount: subscription,
          subAccountName: text(at(values, subscriptionName)),
          service:
            text(at(values, meterCategory)) ||
            text(at(values, consumedService)) ||
            text(at(values, serviceName)),
          category: '',
          region: text(at(values, resourceLocation)) || text(at(values, meterRegion)),
          sku: text(at(values, meterId)),
          resourceId: text(at(values, resourceId)),
          currency: currencyCode,
          chargeCategory: kind.category,
          chargeClass: '',
          chargeDescription:
            text(at(values, meterName)) ||
            text(at(values, productName)) ||
            text(at(values, productOrderName)),
          chargePeriodStart: chargeStart,
          chargePeriodEnd: chargeStart + DAY_MS,
          billingPeriodStart: billing.start,
          billingPeriodEnd: billing.end,
          billedCost: billed,
          effectiveCost: effective,
          listCost: list,
          contractedCost: contracted,
          pricingQuantity: quantityText,
          pricingUnit: text(at(values, unit)),
          invoiceIssuer: PROVIDER,
          publisher: text(at(values, publisherName)) || PROVIDER,
          tagsKey: tagsCell ?? '',
        };
        return { charge, tags: () => parseJsonTags(tagsCell, tags.name) };
      },
    };
  },
};
