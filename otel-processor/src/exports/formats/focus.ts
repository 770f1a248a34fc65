/**
 * FOCUS cost and usage datasets (FinOps Open Cost and Usage Specification) 1.0, 1.1, 1.2 and 1.3: the
 * provider-neutral export AWS, Google Cloud, Microsoft, Oracle and others write. {@link Charge} is named after
 * the FOCUS columns, so the mapping is one column to one field; the work is in reading the cells strictly
 * (decimal text, `NULL` literals, the charge category list) and in telling the versions apart.
 *
 * - Costs and `PricingQuantity` are the cells' decimal text; a null cost is `0`.
 * - `ChargeCategory` is read case-insensitively and written canonically; any other value, or a
 *   `ChargeClass` other than `Correction`/null, rejects the row naming the column.
 * - provider = `ServiceProviderName` (1.3), else `ProviderName`; publisher = `HostProviderName` (1.3),
 *   else `PublisherName`. Both 1.3 names are read when a file carries the deprecated ones too.
 * - account, subAccount, region, sku, resourceId, category = `BillingAccountId`, `SubAccountId`,
 *   `RegionId`, `SkuId`, `ResourceId`, `ServiceCategory` (text; `''` when absent or null).
 * - tags = the `Tags` JSON object, with 1.3's `AllocatedTags` (the tags of the resource a split cost was
 *   allocated to) merged over it; tagsKey = the raw `Tags` cell (plus `AllocatedTags` when set).
 * - A null billing period falls back to the charge's calendar month; `x_` columns are ignored.
 *
 * @packageDocumentation
 */
import { CHARGE_CATEGORIES, RowError } from '../charge';
import type { Charge, ChargeCategory, MappedRow } from '../charge';
import { TimeReader, checkDecimal, isNull, monthOf, parseJsonTags, readCurrency } from '../values';
import { columnIndex } from './columns';
import type { Detection, ExportFormat, FormatOptions, RowMapper } from './format';

/**
 * The columns every FOCUS 1.0–1.3 cost and usage dataset carries and the importer reads (FOCUS feature level
 * "Mandatory"). `ProviderName` and `PublisherName` are deprecated in 1.3 in favour of
 * {@link FOCUS_RENAMED_IN_1_3 | `ServiceProviderName` and `HostProviderName`}; either name satisfies them.
 */
export const FOCUS_MANDATORY_COLUMNS: readonly string[] = [
  'BilledCost',
  'ContractedCost',
  'EffectiveCost',
  'ListCost',
  'PricingQuantity',
  'BillingAccountId',
  'BillingAccountName',
  'BillingCurrency',
  'BillingPeriodStart',
  'BillingPeriodEnd',
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'InvoiceIssuerName',
  'PricingUnit',
  'ProviderName',
  'PublisherName',
  'ServiceCategory',
  'ServiceName',
];

/** Mandatory columns FOCUS 1.3 deprecates, and the column that replaces each. */
export const FOCUS_RENAMED_IN_1_3: Readonly<Record<string, string>> = {
  ProviderName: 'ServiceProviderName',
  PublisherName: 'HostProviderName',
};

/**
 * Columns first defined by each FOCUS version, newest first: a header holding any of them is at least that
 * version. Most are optional or conditional, so a file may be newer than its columns show; the mapping does
 * not depend on the version, only the reported variant does.
 *
 * `BillingAccountType` and `SubAccountType` were also added in 1.2 but are deliberately not markers:
 * Microsoft's FOCUS 1.0 export already carries both, and would otherwise be reported as 1.2.
 */
const VERSION_MARKERS: readonly (readonly [version: string, columns: readonly string[]])[] = [
  [
    '1.3',
    [
      'ServiceProviderName',
      'HostProviderName',
      'AllocatedMethodId',
      'AllocatedMethodDetails',
      'AllocatedResourceId',
      'AllocatedResourceName',
      'AllocatedTags',
      'ContractApplied',
    ],
  ],
  [
    '1.2',
    [
      'InvoiceId',
      'PricingCurrency',
      'PricingCurrencyContractedUnitPrice',
      'PricingCurrencyEffectiveCost',
      'PricingCurrencyListUnitPrice',
    ],
  ],
  [
    '1.1',
    [
      'CapacityReservationId',
      'CapacityReservationStatus',
      'CommitmentDiscountQuantity',
      'CommitmentDiscountUnit',
      'ServiceSubcategory',
      'SkuMeter',
      'SkuPriceDetails',
    ],
  ],
];

/** The FOCUS version a header shows (`1.0` when it has none of the newer versions' columns). */
function focusVersion(index: ReadonlyMap<string, number>): string {
  for (const [version, markers] of VERSION_MARKERS)
    if (markers.some((c) => index.has(c.toLowerCase()))) return version;
  return '1.0';
}

const CATEGORY_EXACT = new Set<string>(CHARGE_CATEGORIES);
const CATEGORY_BY_LOWER = new Map<string, ChargeCategory>(CHARGE_CATEGORIES.map((c) => [c.toLowerCase(), c]));

/** `ChargeCategory`, case-insensitive in (files written by hand or by SQL say `usage`), canonical out. */
function readCategory(cell: string | undefined, column: string): ChargeCategory {
  if (cell !== undefined && CATEGORY_EXACT.has(cell)) return cell as ChargeCategory;
  if (isNull(cell)) throw new RowError(`${column}: empty`, column);
  const hit = CATEGORY_BY_LOWER.get(cell.trim().toLowerCase());
  if (hit === undefined)
    throw new RowError(
      `${column}: not a FOCUS charge category (${CHARGE_CATEGORIES.join(', ')}): ${JSON.stringify(cell)}`,
      column,
    );
  return hit;
}

/** `ChargeClass`: `Correction` (any case) or null; FOCUS allows nothing else. */
function readChargeClass(cell: string | undefined, column: string): '' | 'Correction' {
  if (isNull(cell)) return '';
  if (cell === 'Correction' || cell.trim().toLowerCase() === 'correction') return 'Correction';
  throw new RowError(
    `${column}: not a FOCUS charge class (Correction or null): ${JSON.stringify(cell)}`,
    column,
  );
}

function readRequired(cell: string | undefined, column: string): string {
  if (isNull(cell)) throw new RowError(`${column}: empty`, column);
  return cell;
}

function text(cell: string | undefined): string {
  return isNull(cell) ? '' : cell;
}

/** The FOCUS export format: recognises FOCUS 1.0–1.3 headers and maps rows field by field. */
export const focusFormat: ExportFormat = {
  id: 'focus',
  name: 'FOCUS 1.0–1.3',

  detect(columns: readonly string[]): Detection {
    const index = columnIndex(columns);
    const missing: string[] = [];
    for (const name of FOCUS_MANDATORY_COLUMNS) {
      if (index.has(name.toLowerCase())) continue;
      const renamed = FOCUS_RENAMED_IN_1_3[name];
      if (renamed === undefined) missing.push(name);
      else if (!index.has(renamed.toLowerCase())) missing.push(`${name} (or ${renamed})`);
    }
    if (missing.length > 0) return { ok: false, missing };
    return { ok: true, variant: `FOCUS ${focusVersion(index)}` };
  },

  compile(
    columns: readonly string[],
    _options?: FormatOptions,
    fields?: ReadonlySet<keyof Charge>,
  ): RowMapper {
    const index = columnIndex(columns);
    // Every column the mapper reads is looked up here, once: recorded, so the reader decodes only those.
    const used = new Set<number>();
    const at = (name: string): number => {
      const i = index.get(name.toLowerCase()) ?? -1;
      if (i >= 0) used.add(i);
      return i;
    };
    /** The 1.3 name when the header has it, else the deprecated one (1.3 files may carry both). */
    const either = (name: string): number => {
      const renamed = FOCUS_RENAMED_IN_1_3[name];
      const i = renamed === undefined ? -1 : at(renamed);
      return i >= 0 ? i : at(name);
    };
    /** A column only a field the caller does not want reads: not looked up, so never decoded. */
    const opt = (field: keyof Charge, name: string): number =>
      fields === undefined || fields.has(field) ? at(name) : -1;
    const cBilled = at('BilledCost');
    const cContracted = opt('contractedCost', 'ContractedCost');
    const cEffective = at('EffectiveCost');
    const cList = at('ListCost');
    const cQuantity = at('PricingQuantity');
    const cAccount = at('BillingAccountId');
    const cAccountName = opt('accountName', 'BillingAccountName');
    const cCurrency = at('BillingCurrency');
    const cBillingStart = at('BillingPeriodStart');
    const cBillingEnd = opt('billingPeriodEnd', 'BillingPeriodEnd');
    const cChargeStart = at('ChargePeriodStart');
    const cChargeEnd = opt('chargePeriodEnd', 'ChargePeriodEnd');
    const cCategory = at('ChargeCategory');
    const cClass = at('ChargeClass');
    const cDescription = opt('chargeDescription', 'ChargeDescription');
    const cIssuer = opt('invoiceIssuer', 'InvoiceIssuerName');
    const cUnit = opt('pricingUnit', 'PricingUnit');
    const cProvider = either('ProviderName');
    const cHostProvider = opt('publisher', 'HostProviderName');
    const cPublisher = opt('publisher', 'PublisherName');
    const cServiceCategory = at('ServiceCategory');
    const cService = at('ServiceName');
    const cRegion = at('RegionId');
    const cResource = opt('resourceId', 'ResourceId');
    const cSku = at('SkuId');
    const cSubAccount = at('SubAccountId');
    const cSubAccountName = opt('subAccountName', 'SubAccountName');
    const cTags = at('Tags');
    const cAllocatedTags = at('AllocatedTags');
    /** The provider column as the header spells it, for error messages. */
    const providerColumn = columns[cProvider]?.trim() ?? 'ProviderName';
    const times = new TimeReader();

    return {
      columns: [...used].sort((a, b) => a - b),
      map(values: readonly (string | undefined)[]): MappedRow {
        const cell = (i: number): string | undefined => (i < 0 ? undefined : values[i]);

        const chargePeriodStart = times.read(cell(cChargeStart), 'ChargePeriodStart');
        // Not read when the caller does not want it (then it is the start): nothing checks what is not used.
        const chargePeriodEnd =
          cChargeEnd < 0 ? chargePeriodStart : times.read(cell(cChargeEnd), 'ChargePeriodEnd');
        if (chargePeriodEnd < chargePeriodStart)
          throw new RowError(
            `ChargePeriodEnd: before ChargePeriodStart: ${JSON.stringify(cell(cChargeEnd))}`,
            'ChargePeriodEnd',
          );
        // 1.3: HostProviderName may be null (e.g. on tax rows); fall back to the deprecated PublisherName.
        const host = cell(cHostProvider);
        const publisher = isNull(host) ? text(cell(cPublisher)) : host;

        const tagsCell = cell(cTags);
        const allocatedTagsCell = cell(cAllocatedTags);
        const tagsText = text(tagsCell);
        // 1.3 split cost allocation: the allocated resource's tags say who the share belongs to, so they
        // join (and win over) the origin resource's tags; the key must then tell both apart.
        const tagsKey = isNull(allocatedTagsCell) ? tagsText : `${tagsText}\u0000${allocatedTagsCell}`;

        const charge: Charge = {
          provider: readRequired(cell(cProvider), providerColumn),
          account: readRequired(cell(cAccount), 'BillingAccountId'),
          accountName: text(cell(cAccountName)),
          subAccount: text(cell(cSubAccount)),
          subAccountName: text(cell(cSubAccountName)),
          service: text(cell(cService)),
          category: text(cell(cServiceCategory)),
          region: text(cell(cRegion)),
          sku: text(cell(cSku)),
          resourceId: text(cell(cResource)),
          currency: readCurrency(cell(cCurrency), 'BillingCurrency'),
          chargeCategory: readCategory(cell(cCategory), 'ChargeCategory'),
          chargeClass: readChargeClass(cell(cClass), 'ChargeClass'),
          chargeDescription: text(cell(cDescription)),
          chargePeriodStart,
          chargePeriodEnd,
          // FOCUS requires the billing period, but a missing one is recoverable: charges are billed monthly.
          billingPeriodStart: isNull(cell(cBillingStart))
            ? monthOf(chargePeriodStart).start
            : times.read(cell(cBillingStart), 'BillingPeriodStart'),
          // 0 when the caller does not want it (see `compile`): not worth a date computation per row.
          billingPeriodEnd:
            cBillingEnd < 0
              ? 0
              : isNull(cell(cBillingEnd))
                ? monthOf(chargePeriodStart).end
                : times.read(cell(cBillingEnd), 'BillingPeriodEnd'),
          billedCost: checkDecimal(cell(cBilled), 'BilledCost'),
          effectiveCost: checkDecimal(cell(cEffective), 'EffectiveCost'),
          listCost: checkDecimal(cell(cList), 'ListCost'),
          contractedCost: checkDecimal(cell(cContracted), 'ContractedCost'),
          pricingQuantity: checkDecimal(cell(cQuantity), 'PricingQuantity'),
          pricingUnit: text(cell(cUnit)),
          invoiceIssuer: text(cell(cIssuer)),
          publisher,
          tagsKey,
        };
        return {
          charge,
          tags(): Record<string, string> {
            const tags = parseJsonTags(tagsCell, 'Tags');
            if (!isNull(allocatedTagsCell))
              Object.assign(tags, parseJsonTags(allocatedTagsCell, 'AllocatedTags'));
            return tags;
          },
        };
      },
    };
  },
};
