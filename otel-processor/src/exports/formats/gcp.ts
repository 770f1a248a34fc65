/**
 * Google Cloud billing export to BigQuery (standard `gcp_billing_export_v1_*` and detailed
 * `gcp_billing_export_resource_v1_*` tables), as a CSV or JSON lines file whose nested records the reader
 * flattened: nested objects become dotted columns (`service.description`, `usage.amount_in_pricing_units`),
 * repeated fields (`labels`, `credits`, `system_labels`, `project.ancestors`) stay JSON text.
 *
 * Mapping to {@link Charge}:
 *
 * | Charge | GCP column |
 * |---|---|
 * | provider | `Google Cloud` |
 * | account | `billing_account_id` (text: ids such as `012345-6789AB-CDEF01` keep their leading zeros) |
 * | subAccount / subAccountName | `project.id` / `project.name` (`''` for rows without a project, e.g. tax) |
 * | service | `service.description` |
 * | sku / chargeDescription | `sku.id` / `sku.description` |
 * | region | `location.region`, else `location.location` (multi-regions such as `us` have no region) |
 * | resourceId | `resource.global_name`, else `resource.name` (detailed export only) |
 * | currency | `currency` |
 * | BilledCost | `cost` + the sum of `credits[].amount`: what the invoice charges (GCP's `cost` is before credits; Google's own FOCUS export bills credits as negative Credit rows, so totals agree) |
 * | EffectiveCost | `cost` + the sum of `credits[].amount` (credits are negative), exact decimal arithmetic |
 * | ListCost | `cost_at_list` when the column and cell are present, else `cost` |
 * | ContractedCost | `cost` |
 * | ChargeCategory | `cost_type`: `regular` → Usage, `tax` → Tax, `adjustment` and `rounding_error` → Adjustment (empty → Usage). A row with credits stays what its `cost_type` says, even when its `cost` is 0: credits are folded into EffectiveCost, never a separate Credit row. |
 * | ChargeClass | `Correction` for an `adjustment` whose usage started before its invoice month |
 * | ChargePeriodStart/End | `usage_start_time` / `usage_end_time` (`2024-06-01 00:00:00 UTC` in CSV, ISO 8601 in JSON) |
 * | BillingPeriodStart/End | the UTC calendar month of `invoice.month` (`YYYYMM`); the month of `usage_start_time` when absent. Google invoices by Pacific time, so a row's usage may lie just outside its billing period. |
 * | PricingQuantity / PricingUnit | `usage.amount_in_pricing_units` / `usage.pricing_unit`, else `usage.amount` / `usage.unit` |
 * | publisher | `seller_name` (Marketplace) else `Google Cloud`; invoiceIssuer `Google Cloud` |
 * | tags / tagsKey | `labels` (`[{"key","value"}]`) / the raw `labels` cell |
 *
 * @packageDocumentation
 */
import Decimal from 'decimal.js';
import { RowError, type Charge, type ChargeCategory, type MappedRow } from '../charge';
import { checkDecimal, isNull, monthOf, parseJsonTags, TimeReader } from '../values';
import { columnIndex } from './columns';
import type { Detection, ExportFormat, FormatOptions, RowMapper } from './format';

/**
 * Exact decimal arithmetic for `cost + credits`: decimal.js only rounds a result longer than its
 * precision, and 1000 significant digits is far past any sum of export amounts (28 decimal places on
 * values up to 10^15 need 43), so every sum here is exact. `D` (40 digits) would round long tails.
 */
const Exact = Decimal.clone({ precision: 1000, toExpNeg: -31, toExpPos: 40 });

const PROVIDER = 'Google Cloud';

/** The columns a header must have to be read as a GCP billing export. */
const REQUIRED = [
  'billing_account_id',
  'service.description',
  'sku.id',
  'usage_start_time',
  'usage_end_time',
  'cost',
  'currency',
] as const;

/** Text of an optional cell: `''` for empty or `NULL`. */
function text(cell: string | undefined): string {
  return isNull(cell) ? '' : cell;
}

/** A JSON number kept as its source text, so `-0.12345678901234567891` is not rounded to a double. */
class JsonNumber {
  constructor(readonly text: string) {}
}

/**
 * A minimal JSON reader that keeps numbers as their text ({@link JsonNumber}). `JSON.parse` would round
 * a credit amount with more significant digits than a double holds, and Node 20 has no access to a
 * number's source text from a reviver.
 * @throws SyntaxError on anything that is not JSON.
 */
function parseJsonExact(src: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at offset ${i}`);
  };
  const ws = (): void => {
    while (i < src.length && (src[i] === ' ' || src[i] === '\n' || src[i] === '\r' || src[i] === '\t')) i++;
  };
  const value = (): unknown => {
    ws();
    const c = src[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      ws();
      if (src[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        if (src[i] !== '"') fail('expected a key');
        const key = string();
        ws();
        if (src[i] !== ':') fail('expected :');
        i++;
        out[key] = value();
        ws();
        if (src[i] === ',') i++;
        else if (src[i] === '}') {
          i++;
          return out;
        } else fail('expected , or }');
      }
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      ws();
      if (src[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (src[i] === ',') i++;
        else if (src[i] === ']') {
          i++;
          return out;
        } else fail('expected , or ]');
      }
    }
    if (c === '"') return string();
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(src.slice(i, i + 400));
    if (m !== null && m[0].length > 0) {
      i += m[0].length;
      return new JsonNumber(m[0]);
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (src.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return fail('unexpected character');
  };
  const string = (): string => {
    // The string token runs to the first unescaped quote; JSON.parse decodes its escapes.
    const start = i;
    i++;
    while (i < src.length && src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
    if (i >= src.length) fail('unterminated string');
    i++;
    return JSON.parse(src.slice(start, i)) as string;
  };
  const v = value();
  ws();
  if (i !== src.length) fail('trailing characters');
  return v;
}

/**
 * The exact sum of `credits[].amount` (a JSON list of `{name, amount, full_name, id, type}`), or
 * `undefined` when there are none.
 * @throws RowError naming `column` for a cell that is not such a list or an amount that is not a decimal.
 */
function sumCredits(cell: string, column: string): Decimal | undefined {
  const trimmed = cell.trim();
  if (trimmed === '[]') return undefined;
  let credits: unknown;
  try {
    credits = parseJsonExact(trimmed);
  } catch {
    throw new RowError(
      `${column}: not a JSON list of credits: ${JSON.stringify(cell.slice(0, 200))}`,
      column,
    );
  }
  if (!Array.isArray(credits))
    throw new RowError(
      `${column}: not a JSON list of credits: ${JSON.stringify(cell.slice(0, 200))}`,
      column,
    );
  let sum: Decimal | undefined;
  for (let k = 0; k < credits.length; k++) {
    const credit = credits[k] as { amount?: unknown } | null;
    if (credit === null || typeof credit !== 'object')
      throw new RowError(
        `${column}: credit ${k + 1} is not an object: ${JSON.stringify(cell.slice(0, 200))}`,
        column,
      );
    const amount = credit.amount;
    if (amount === undefined || amount === null) continue;
    const amountText =
      amount instanceof JsonNumber ? amount.text : typeof amount === 'string' ? amount : undefined;
    if (amountText === undefined)
      throw new RowError(
        `${column}: amount of credit ${k + 1} is not a number: ${JSON.stringify(amount)}`,
        column,
      );
    let checked: string;
    try {
      checked = checkDecimal(amountText, column);
    } catch {
      throw new RowError(
        `${column}: amount of credit ${k + 1} is not a decimal number: ${JSON.stringify(amountText)}`,
        column,
      );
    }
    const d = new Exact(checked);
    sum = sum === undefined ? d : sum.plus(d);
  }
  return sum;
}

/** `cost_type` → charge category (a Map: a cell such as `constructor` must not find an object property). */
const COST_TYPES: ReadonlyMap<string, ChargeCategory> = new Map<string, ChargeCategory>([
  ['regular', 'Usage'],
  ['tax', 'Tax'],
  ['adjustment', 'Adjustment'],
  ['rounding_error', 'Adjustment'],
]);

/** The GCP billing export format (id `gcp`); see the module documentation for the mapping. */
export const gcpFormat: ExportFormat = {
  id: 'gcp',
  name: 'Google Cloud billing export (BigQuery standard/detailed, flattened)',

  detect(columns: readonly string[]): Detection {
    const index = columnIndex(columns);
    const missing = REQUIRED.filter((c) => !index.has(c));
    if (missing.length > 0) return { ok: false, missing };
    const detailed = index.has('resource.global_name') || index.has('resource.name');
    return { ok: true, variant: detailed ? 'GCP detailed (resource-level)' : 'GCP standard' };
  },

  compile(columns: readonly string[], _options: FormatOptions): RowMapper {
    const index = columnIndex(columns);
    /** Index and header name (as written, for error messages) of a column; index -1 when absent. */
    const col = (name: string): { i: number; name: string } => {
      const i = index.get(name);
      return i === undefined ? { i: -1, name } : { i, name: columns[i]!.replace(/^\uFEFF/, '').trim() };
    };
    const account = col('billing_account_id');
    const serviceDescription = col('service.description');
    const skuId = col('sku.id');
    const skuDescription = col('sku.description');
    const start = col('usage_start_time');
    const end = col('usage_end_time');
    const projectId = col('project.id');
    const projectName = col('project.name');
    const labels = col('labels');
    const region = col('location.region');
    const location = col('location.location');
    const globalName = col('resource.global_name');
    const resourceName = col('resource.name');
    const cost = col('cost');
    const currency = col('currency');
    const amount = col('usage.amount');
    const unit = col('usage.unit');
    const pricingAmount = col('usage.amount_in_pricing_units');
    const pricingUnit = col('usage.pricing_unit');
    const credits = col('credits');
    const invoiceMonth = col('invoice.month');
    const costType = col('cost_type');
    const costAtList = col('cost_at_list');
    const sellerName = col('seller_name');
    const times = new TimeReader();
    // Missing optional columns read as empty cells.
    const at = (values: readonly (string | undefined)[], c: { i: number }): string | undefined =>
      c.i < 0 ? undefined : values[c.i];

    return {
      map(values: readonly (string | undefined)[]): MappedRow {
        const accountId = text(at(values, account));
        if (accountId === '') throw new RowError(`${account.name}: empty`, account.name);
        const currencyCode = text(at(values, currency)).trim();
        if (currencyCode === '') throw new RowError(`${currency.name}: empty`, currency.name);

        const costText = checkDecimal(at(values, cost), cost.name);
        const creditsCell = at(values, credits);
        const creditSum = isNull(creditsCell) ? undefined : sumCredits(creditsCell, credits.name);
        const effective = creditSum === undefined ? costText : new Exact(costText).plus(creditSum).toString();
        const listCell = at(values, costAtList);
        const list = isNull(listCell) ? costText : checkDecimal(listCell, costAtList.name);

        const typeCell = at(values, costType);
        let category: ChargeCategory = 'Usage';
        if (!isNull(typeCell)) {
          const c = COST_TYPES.get(typeCell.trim().toLowerCase());
          if (c === undefined)
            throw new RowError(
              `${costType.name}: unknown cost type: ${JSON.stringify(typeCell)}`,
              costType.name,
            );
          category = c;
        }

        const chargeStart = times.read(at(values, start), start.name);
        const chargeEnd = times.read(at(values, end), end.name);
        if (chargeEnd < chargeStart)
          throw new RowError(
            `${end.name}: ${JSON.stringify(at(values, end))} is before ${start.name} ${JSON.stringify(at(values, start))}`,
            end.name,
          );
        const monthCell = at(values, invoiceMonth);
        let billing: { start: number; end: number };
        if (isNull(monthCell)) billing = monthOf(chargeStart);
        else {
          if (!/^\s*\d{6}\s*$/.test(monthCell))
            throw new RowError(
              `${invoiceMonth.name}: not a month (YYYYMM): ${JSON.stringify(monthCell)}`,
              invoiceMonth.name,
            );
          billing = monthOf(times.read(monthCell.trim(), invoiceMonth.name));
        }

        const pricingQuantityCell = at(values, pricingAmount);
        const quantity = isNull(pricingQuantityCell)
          ? checkDecimal(at(values, amount), amount.name)
          : checkDecimal(pricingQuantityCell, pricingAmount.name);
        const quantityUnit = text(at(values, pricingUnit)) || text(at(values, unit));

        const labelsCell = at(values, labels);
        const seller = text(at(values, sellerName));
        const charge: Charge = {
          provider: PROVIDER,
          account: accountId,
          accountName: '',
          subAccount: text(at(values, projectId)),
          subAccountName: text(at(values, projectName)),
          service: text(at(values, serviceDescription)),
          category: '',
          region: text(at(values, region)) || text(at(values, location)),
          sku: text(at(values, skuId)),
          resourceId: text(at(values, globalName)) || text(at(values, resourceName)),
          currency: currencyCode,
          chargeCategory: category,
          // An adjustment of usage from before its invoice month corrects an earlier period.
          chargeClass:
            typeCell?.trim().toLowerCase() === 'adjustment' && chargeStart < billing.start
              ? 'Correction'
              : '',
          chargeDescription: text(at(values, skuDescription)),
          chargePeriodStart: chargeStart,
          chargePeriodEnd: chargeEnd,
          billingPeriodStart: billing.start,
          billingPeriodEnd: billing.end,
          // Net of credits, as the invoice is: see the mapping table.
          billedCost: effective,
          effectiveCost: effective,
          listCost: list,
          contractedCost: costText,
          pricingQuantity: quantity,
          pricingUnit: quantityUnit,
          invoiceIssuer: PROVIDER,
          publisher: seller || PROVIDER,
          tagsKey: labelsCell ?? '',
        };
        return { charge, tags: () => parseJsonTags(labelsCell, labels.name) };
      },
    };
  },
};
