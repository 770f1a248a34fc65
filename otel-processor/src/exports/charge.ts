/**
 * The provider-neutral charge every billing export is normalised to, named after the FOCUS columns it
 * carries (FinOps Open Cost and Usage Specification). Importers map one export row to one {@link Charge};
 * the import pipeline attributes, aggregates and stores charges without knowing which provider wrote them.
 *
 * @packageDocumentation
 */

/** FOCUS `ChargeCategory`. */
export type ChargeCategory = 'Usage' | 'Purchase' | 'Tax' | 'Credit' | 'Adjustment';

/** The FOCUS charge categories, in the order reports list them. */
export const CHARGE_CATEGORIES: readonly ChargeCategory[] = [
  'Usage',
  'Purchase',
  'Tax',
  'Credit',
  'Adjustment',
];

/**
 * One billed line of a provider export. Money and quantities are decimal text exactly as the file wrote
 * them (validated by {@link checkDecimal}, never parsed through a float); absent optional values are `''`.
 */
export interface Charge {
  /** FOCUS `ProviderName` / `ServiceProviderName`: `AWS`, `Google Cloud`, `Microsoft`, or what a FOCUS file says. */
  provider: string;
  /** `BillingAccountId` (kept as text: account ids have leading zeros). */
  account: string;
  accountName: string;
  /** `SubAccountId`: AWS usage account, GCP project, Azure subscription; `''` when none. */
  subAccount: string;
  subAccountName: string;
  /** `ServiceName`. */
  service: string;
  /** `ServiceCategory` (FOCUS's fixed list, e.g. `Compute`); `''` when the export has no such notion. */
  category: string;
  /** `RegionId`. */
  region: string;
  /** `SkuId`. */
  sku: string;
  /** `ResourceId`. */
  resourceId: string;
  /** `BillingCurrency` (ISO 4217). */
  currency: string;
  chargeCategory: ChargeCategory;
  /** FOCUS `ChargeClass`: `'Correction'` for a correction of an earlier period, else `''`. */
  chargeClass: '' | 'Correction';
  chargeDescription: string;
  /** `ChargePeriodStart`/`End`, epoch ms (end exclusive). */
  chargePeriodStart: number;
  chargePeriodEnd: number;
  /** `BillingPeriodStart`/`End`, epoch ms (end exclusive). */
  billingPeriodStart: number;
  billingPeriodEnd: number;
  /** `BilledCost`: what the invoice charges for this line. */
  billedCost: string;
  /** `EffectiveCost`: amortised cost after discounts and commitments. */
  effectiveCost: string;
  /** `ListCost`: at public list prices (`'0'` when the export has none). */
  listCost: string;
  /** `ContractedCost`: at negotiated prices (`'0'` when the export has none). */
  contractedCost: string;
  /** `PricingQuantity` and `PricingUnit`. */
  pricingQuantity: string;
  pricingUnit: string;
  invoiceIssuer: string;
  /** FOCUS `PublisherName` / `HostProviderName`. */
  publisher: string;
  /**
   * A string that is equal for rows whose tags are equal (e.g. the raw `Tags` cell): lets the pipeline
   * attribute once per distinct tag set instead of once per row.
   */
  tagsKey: string;
}

/**
 * What the pipeline needs from a row besides its {@link Charge}. The tag map is read lazily, once per
 * distinct {@link Charge.tagsKey}, because parsing tag JSON on every row would cost more than the row.
 */
export interface MappedRow {
  charge: Charge;
  /** The row's resource tags / labels as a flat map (e.g. `{ team: 'payments', 'user:team': 'payments' }`). */
  tags(): Record<string, string>;
}

/** A row an importer cannot read: the reason names the column and the value. The row is reported, not imported. */
export class RowError extends Error {
  constructor(
    message: string,
    /** The column at fault, when one is. */
    readonly column?: string,
  ) {
    super(message);
    this.name = 'RowError';
  }
}
