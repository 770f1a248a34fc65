/**
 * The span and metric attribute keys Meterline sets (see "Telemetry conventions" in ARCHITECTURE.md).
 * There is no settled OTel semantic convention for cost yet, so they live in the `cost.` namespace.
 */
export const COST_TENANT = 'cost.tenant';
export const COST_TEAM = 'cost.team';
export const COST_CENTER = 'cost.center';
/** `rule` | `fallback` | `unknown`. */
export const COST_ATTRIBUTION = 'cost.attribution';
/** Id of the attribution rule that matched, `fallback:<key>`, or `unknown`. */
export const COST_RULE = 'cost.rule';
export const COST_SKU = 'cost.sku';
export const COST_QUANTITY = 'cost.quantity';
export const COST_UNIT = 'cost.unit';
/** Exact decimal string, never a float. */
export const COST_AMOUNT = 'cost.amount';
/** ISO 4217. */
export const COST_CURRENCY = 'cost.currency';
export const COST_PRICE_VERSION = 'cost.price_version';
