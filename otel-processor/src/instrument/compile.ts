import {
  Attributor,
  Catalog,
  SkuRules,
  type AttributionConfig,
  type MeterlineConfig,
  type SkuRuleConfig,
} from '@meterline/cost-model';

/**
 * The cost model compiled once for the in-process instrumentation.
 *
 * `attribution` and `skuRules` (the configs the compiled rules came from) are optional but make the hot
 * path faster: they say which keys attribution reads (so results are cached), which SKU rules read baggage
 * (so it is kept from start to end only when needed) and which quantities never repeat (not cached).
 */
export interface CompiledMeterline {
  catalog: Catalog;
  skus: SkuRules;
  attributor: Attributor;
  attribution?: AttributionConfig;
  skuRules?: SkuRuleConfig[];
}

/** A validated `MeterlineConfig` (see `validateConfig`) or the cost model already compiled. */
export type MeterlineInput = MeterlineConfig | CompiledMeterline;

/** Compiles a validated config (idempotent on an already compiled one). Errors name the offending rule or key. */
export function compileMeterline(input: MeterlineInput): CompiledMeterline {
  if ('attributor' in input) return input;
  return {
    catalog: new Catalog(input.catalog),
    skus: SkuRules.compile(input.skus),
    attributor: Attributor.compile(input.attribution),
    attribution: input.attribution,
    skuRules: input.skus,
  };
}

/**
 * True when some span SKU rule may read baggage (a `baggage` or `any` source). Unknown (no configs): true.
 * Baggage lives in the start context, so it must be kept until the span ends only in that case.
 */
export function skuRulesReadBaggage(rules: readonly SkuRuleConfig[] | undefined): boolean {
  if (rules === undefined) return true;
  const reads = (source: string | undefined): boolean =>
    source === undefined || source === 'any' || source === 'baggage';
  return rules.some((r) => {
    if (r.match.signal !== 'span') return false;
    if ((r.match.attributes ?? []).some((m) => reads(m.source))) return true;
    const q = r.quantity;
    if (q.type === 'attribute') return reads(q.source);
    if (q.type === 'duration_memory' && q.memoryAttribute !== undefined) return reads(q.memorySource);
    return false;
  });
}
