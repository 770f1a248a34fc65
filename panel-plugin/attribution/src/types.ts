/**
 * The panel's options, their defaults, and the one place that turns whatever a saved dashboard holds into
 * options the panel can trust (a hand-edited JSON model may hold `"topN": "ten"`).
 *
 * @packageDocumentation
 */

/** Options of `meterline-attribution-panel` (what a dashboard saves under `options`). */
export interface AttributionOptions {
  /**
   * The unknown share of spend, in percent, above which the panel says "over target". 5 matches the
   * `meterline-unknown-attribution` alert, which fires above 0.05; a ratio exactly at the target is within it.
   */
  targetPercent: number;
  /**
   * The currency whose ratio the big number shows (ISO 4217 code, e.g. `USD`). Empty: the currency
   * furthest over target; the other currencies are listed under it. Amounts of different currencies never
   * add up, so there is no cross-currency ratio to show instead.
   */
  currency: string;
  /** Whether to draw the ratio's trend over the time range, with the target line. */
  showSparkline: boolean;
  /** How many of the top unattributed sources the table shows (the costliest first). */
  topN: number;
  /** Whether table rows link to a filtered dashboard through {@link AttributionOptions.linkTemplate}. */
  linkRows: boolean;
  /**
   * The URL a row links to. Row values (`${service}`, `${sku}`, `${resource}`, `${region}`, `${provider}`,
   * `${account}`, `${currency}`, `${source}`) are URL-encoded; dashboard variables and
   * `${__url_time_range}` are interpolated by Grafana. See `links.ts`.
   */
  linkTemplate: string;
}

/** The debug dashboard, filtered to the row's service and SKU, over the same time range. */
export const DEFAULT_LINK_TEMPLATE =
  '/d/meterline-debug?var-service=${service}&var-sku=${sku}&${__url_time_range}';

/** The unknown-attribution target of the runbook and the alert rule (5%). */
export const DEFAULT_TARGET_PERCENT = 5;

/** Most rows the table can be asked for: more is a report, not an on-call panel. */
export const MAX_TOP_N = 100;

/** Defaults of every option (also what the options pane starts from). */
export const DEFAULT_OPTIONS: AttributionOptions = {
  targetPercent: DEFAULT_TARGET_PERCENT,
  currency: '',
  showSparkline: true,
  topN: 10,
  linkRows: true,
  linkTemplate: DEFAULT_LINK_TEMPLATE,
};

function finiteNumber(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/**
 * `options` with every value checked: numbers from numeric strings, out-of-range or missing values replaced
 * by their defaults (`topN` is a whole number in 1…{@link MAX_TOP_N}, `targetPercent` in 0…100), the
 * currency upper-cased. Never throws.
 */
export function normalizeOptions(
  options: Partial<Record<keyof AttributionOptions, unknown>> | undefined,
): AttributionOptions {
  const o = options ?? {};
  const target = finiteNumber(o.targetPercent);
  const topN = finiteNumber(o.topN);
  return {
    targetPercent: target !== undefined && target >= 0 && target <= 100 ? target : DEFAULT_TARGET_PERCENT,
    currency: typeof o.currency === 'string' ? o.currency.trim().toUpperCase() : DEFAULT_OPTIONS.currency,
    showSparkline: typeof o.showSparkline === 'boolean' ? o.showSparkline : DEFAULT_OPTIONS.showSparkline,
    topN: topN !== undefined && topN >= 1 ? Math.min(MAX_TOP_N, Math.floor(topN)) : DEFAULT_OPTIONS.topN,
    linkRows: typeof o.linkRows === 'boolean' ? o.linkRows : DEFAULT_OPTIONS.linkRows,
    linkTemplate: typeof o.linkTemplate === 'string' ? o.linkTemplate : DEFAULT_OPTIONS.linkTemplate,
  };
}
