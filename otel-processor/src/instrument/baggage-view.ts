import { type Attributes, type Context, propagation } from '@opentelemetry/api';
import type { IAttributesProcessor, InstrumentType, ViewOptions } from '@opentelemetry/sdk-metrics';
import { COST_TENANT } from './attributes';

/**
 * An attributes processor that copies W3C baggage entries into metric attributes:
 * `{ 'cost.tenant': 'tenant.id' }` sets `cost.tenant` from the baggage entry `tenant.id`.
 *
 * sdk-metrics 2.x passes the active context to `process()` for **synchronous** instruments only (a counter
 * `add` or histogram `record` inside the request's context); asynchronous (observable) instruments get no
 * context and pass through unchanged. An attribute the instrument already recorded wins over baggage.
 */
export function baggageAttributesProcessor(mapping: Readonly<Record<string, string>>): IAttributesProcessor {
  const pairs = Object.entries(mapping);
  if (pairs.length === 0) throw new RangeError('baggageAttributesProcessor: mapping names no attribute');
  return {
    process(incoming: Attributes, context?: Context): Attributes {
      if (context === undefined) return incoming;
      const baggage = propagation.getBaggage(context);
      if (baggage === undefined) return incoming;
      let out: Attributes | undefined;
      for (const [attribute, key] of pairs) {
        if (incoming[attribute] !== undefined) continue;
        const entry = baggage.getEntry(key);
        if (entry === undefined) continue;
        out ??= { ...incoming };
        out[attribute] = entry.value;
      }
      return out ?? incoming;
    },
  };
}

/** Options of {@link tenantFromBaggageView}. */
export interface TenantFromBaggageViewOptions {
  /** Instruments the view applies to; wildcards as in sdk-metrics (`http.server.*`). */
  instrumentName: string;
  /** Baggage entry holding the tenant (default `tenant.id`). */
  baggageKey?: string;
  /** Metric attribute to set (default `cost.tenant`). */
  attribute?: string;
  meterName?: string;
  instrumentType?: InstrumentType;
  /**
   * Bound on attribute sets of the resulting streams. Baggage comes from callers: without a bound, a caller
   * inventing tenants grows the metric without limit. Defaults to the SDK's (2000, then an overflow series).
   */
  aggregationCardinalityLimit?: number;
}

/**
 * A View adding the tenant from baggage to other metrics, e.g. for per-tenant request latency next to cost:
 *
 * ```ts
 * new MeterProvider({ views: [tenantFromBaggageView({ instrumentName: 'http.server.*', baggageKey: 'tenant.id' })] });
 * ```
 *
 * A View replaces the default stream of the instruments it selects; instruments it does not select are
 * unchanged. Synchronous instruments only (see {@link baggageAttributesProcessor}).
 */
export function tenantFromBaggageView(options: TenantFromBaggageViewOptions): ViewOptions {
  const view: ViewOptions = {
    instrumentName: options.instrumentName,
    attributesProcessors: [
      baggageAttributesProcessor({ [options.attribute ?? COST_TENANT]: options.baggageKey ?? 'tenant.id' }),
    ],
  };
  if (options.meterName !== undefined) view.meterName = options.meterName;
  if (options.instrumentType !== undefined) view.instrumentType = options.instrumentType;
  if (options.aggregationCardinalityLimit !== undefined) {
    view.aggregationCardinalityLimit = options.aggregationCardinalityLimit;
  }
  return view;
}
