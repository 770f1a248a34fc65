import { UNKNOWN, type Attribution, type Catalog, type CostTags, parseDecimal } from '@meterline/cost-model';
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type Decimal from 'decimal.js';
import {
  COST_AMOUNT,
  COST_ATTRIBUTION,
  COST_CENTER,
  COST_CURRENCY,
  COST_PRICE_VERSION,
  COST_QUANTITY,
  COST_SKU,
  COST_TEAM,
  COST_TENANT,
} from '../instrument/attributes';

/** One SKU's share of a priced span, ready to be rolled up. */
export interface PricedSpanUsage {
  tags: CostTags;
  amount: Decimal;
  quantity: number;
  priceVersion: string;
}

/**
 * Reads the priced usages back from a span's `cost.*` attributes (set by `CostSpanProcessor`).
 *
 * A single-SKU span's `cost.amount` is used as is. A span with several SKUs carries only their exact total,
 * so each SKU's amount is priced again from its `cost.sku`, `cost.quantity` and the catalog at the span's
 * end time — the same exact computation that produced the total, in each SKU's own currency (the `currency`
 * tag keeps currencies apart, so no conversion is needed here).
 *
 * Returns an empty list for spans without pricing (no SKU rule matched). Tag values missing from the span
 * are `unknown` (attribution) or empty (resource-derived tags), never a reason to drop the span.
 *
 * @throws when `cost.amount` is not a decimal string, naming the span attribute.
 */
export function pricedUsagesOfSpan(
  attributes: Attributes,
  resource: Attributes,
  endTimeMs: number,
  catalog: Catalog,
): PricedSpanUsage[] {
  const sku = attributes[COST_SKU];
  if (sku === undefined) return [];
  const base = telemetryTags(undefined, attributes, resource);
  if (!Array.isArray(sku)) {
    return [
      {
        tags: { ...base, sku: String(sku), currency: str(attributes[COST_CURRENCY], catalog.baseCurrency) },
        amount: parseDecimal(str(attributes[COST_AMOUNT], '0'), `span attribute ${COST_AMOUNT}`),
        quantity: num(attributes[COST_QUANTITY]),
        priceVersion: str(attributes[COST_PRICE_VERSION], 'unknown'),
      },
    ];
  }
  const quantities = attributes[COST_QUANTITY];
  return sku.map((id, i) => {
    const quantity = Array.isArray(quantities) ? num(quantities[i]) : 0;
    const priced = catalog.price(String(id), quantity, endTimeMs);
    return {
      tags: { ...base, sku: String(id), currency: priced.currency },
      amount: priced.amount,
      quantity,
      priceVersion: priced.priceVersion,
    };
  });
}

/**
 * The `cost` tags of a telemetry item, without `sku` and `currency`: the owner from `attribution` (or, when
 * the item was attributed upstream, from its `cost.*` attributes; `unknown` when absent) and the service,
 * version, environment and region from the resource. Shared by the service engine and the in-process
 * exporter, so both write the same series for the same span.
 */
export function telemetryTags(
  attribution: Attribution | undefined,
  attributes: Attributes,
  resource: Attributes,
): CostTags {
  return {
    source: 'telemetry',
    tenant: attribution?.tenant ?? str(attributes[COST_TENANT], UNKNOWN),
    team: attribution?.team ?? str(attributes[COST_TEAM], UNKNOWN),
    center: attribution?.center ?? str(attributes[COST_CENTER], UNKNOWN),
    service: str(resource['service.name'], ''),
    version: str(resource['service.version'], ''),
    sku: '',
    env: str(resource['deployment.environment.name'] ?? resource['deployment.environment'], ''),
    region: str(resource['cloud.region'], ''),
    attribution: attribution?.attribution ?? str(attributes[COST_ATTRIBUTION], UNKNOWN),
    currency: '',
  };
}

function str(value: AttributeValue | undefined | null, fallback: string): string {
  return value === undefined || value === null || Array.isArray(value) ? fallback : String(value);
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
