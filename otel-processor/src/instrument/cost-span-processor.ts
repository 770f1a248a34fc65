import type {
  BaggageLike,
  SkuRules,
  SpanInput,
  SpanKindName,
  SpanStatusName,
  Usage,
} from '@meterline/cost-model';
import { type Attributes, type Context, diag, propagation } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  COST_AMOUNT,
  COST_ATTRIBUTION,
  COST_CENTER,
  COST_CURRENCY,
  COST_PRICE_VERSION,
  COST_QUANTITY,
  COST_RULE,
  COST_SKU,
  COST_TEAM,
  COST_TENANT,
  COST_UNIT,
} from './attributes';
import { AttributionCache, DEFAULT_ATTRIBUTION_CACHE_LIMIT } from './attribution-cache';
import { type MeterlineInput, compileMeterline, skuRulesReadBaggage } from './compile';
import type { CostMetrics } from './cost-metrics';
import { DEFAULT_AMOUNT_CACHE_LIMIT, SpanPricer } from './span-pricer';

/** Options of {@link CostSpanProcessor}. */
export interface CostSpanProcessorOptions {
  /** Where priced usage is recorded as metrics (see {@link CostMetrics}); none by default. */
  metrics?: CostMetrics;
  /** Attribution results cached before the cache is emptied (default 4096). */
  attributionCacheLimit?: number;
  /** Amounts cached per price version for repeated quantities (default 256). */
  amountCacheLimit?: number;
}

// Module-local copies: imported bindings compile to property reads on the other module (getters under some
// loaders), and these are read on every span.
const TENANT = COST_TENANT;
const TEAM = COST_TEAM;
const CENTER = COST_CENTER;
const ATTRIBUTION = COST_ATTRIBUTION;
const RULE = COST_RULE;
const SKU = COST_SKU;
const QUANTITY = COST_QUANTITY;
const UNIT = COST_UNIT;
const AMOUNT = COST_AMOUNT;
const CURRENCY = COST_CURRENCY;
const PRICE_VERSION = COST_PRICE_VERSION;
const getBaggage = propagation.getBaggage.bind(propagation);

/** `SpanKind` (0..4) → the cost model's name. */
const KIND_NAMES: readonly SpanKindName[] = ['internal', 'server', 'client', 'producer', 'consumer'];
/** `SpanStatusCode` (0..2) → the cost model's name. */
const STATUS_NAMES: readonly SpanStatusName[] = ['unset', 'ok', 'error'];

/**
 * Prices spans in-process, following Meterline's telemetry conventions (ARCHITECTURE.md):
 *
 * - `onStart`: attribution from the span's start attributes, W3C baggage of the parent context and the
 *   resource → `cost.tenant`, `cost.team`, `cost.center`, `cost.attribution`, `cost.rule`. Skipped when the
 *   span already carries `cost.attribution` (attributed upstream).
 * - `onEnding` (sdk-trace-base ≥ 2.3, the last moment a span can be changed): SKU rules on name, kind,
 *   status, duration, attributes, resource (and the start baggage when SKU rules read baggage), priced at the
 *   list price in force at the span's **end time** → `cost.sku`, `cost.quantity`, `cost.unit`, `cost.amount`
 *   (exact decimal string), `cost.currency`, `cost.price_version`. Skipped when the span already carries
 *   `cost.amount` (priced upstream), so nothing is priced twice. A span no SKU rule matches is not billable
 *   and gets no pricing attributes.
 * - Several SKUs on one span: `cost.sku`, `cost.quantity`, `cost.unit` and `cost.price_version` are parallel
 *   arrays in SKU-rule order (OTel attributes are scalars or homogeneous arrays); `cost.amount` is the exact
 *   total, in their common currency, or converted into the catalog's base currency when currencies differ.
 * - An unknown SKU (or one with no price in force) is priced as unknown: amount `0`, price version
 *   `unknown`, in the base currency — never dropped.
 *
 * If the SDK never calls `onEnding` (sdk-trace-base < 2.3), spans keep their attribution but are not
 * priced: `onEnd` receives a read-only span, so there is nothing correct to do there; a warning is logged
 * once. `meterline serve` prices such spans from the same rules.
 *
 * The hot path is built to allocate nothing beyond the attributes themselves: the cost model is compiled
 * once, attribution is cached on the values its rules read, the SKU-rule input object and usage list are reused, and
 * amounts come from integer arithmetic or a per-price-version cache instead of Decimal.
 * A processor never throws into the instrumented code: a pricing error is logged and the span left unpriced.
 */
export class CostSpanProcessor implements SpanProcessor {
  private readonly attribution: AttributionCache;
  private readonly pricer: SpanPricer;
  private readonly skus: SkuRules;
  private metrics: CostMetrics | undefined;
  /** Baggage kept from start to end, only when SKU rules read it. */
  private readonly baggage: WeakMap<Span, BaggageLike> | undefined;
  private readonly input: SpanInput = {
    name: '',
    kind: 'internal',
    status: 'unset',
    durationNs: 0,
    attributes: {},
    resource: {},
    baggage: undefined,
  };
  /** Reused: the usages of the span being priced (see `SkuRules.forSpanInto`). */
  private readonly usages: Usage[] = [];
  private lastResource: object | undefined;
  private lastResourceAttributes: Attributes = {};
  private sawOnEnding = false;
  private warnedNoOnEnding = false;

  /**
   * @param config a validated `MeterlineConfig` (see `validateConfig`), or the cost model compiled with
   *   `compileMeterline` (shared with other processors or the metrics setup).
   * @throws when the config does not compile, naming the offending rule or key.
   */
  constructor(config: MeterlineInput, options: CostSpanProcessorOptions = {}) {
    const compiled = compileMeterline(config);
    this.skus = compiled.skus;
    this.attribution = new AttributionCache(
      compiled.attributor,
      compiled.attribution,
      options.attributionCacheLimit ?? DEFAULT_ATTRIBUTION_CACHE_LIMIT,
    );
    this.pricer = new SpanPricer(
      compiled.catalog,
      compiled.skuRules,
      options.amountCacheLimit ?? DEFAULT_AMOUNT_CACHE_LIMIT,
    );
    this.metrics = options.metrics;
    this.baggage = skuRulesReadBaggage(compiled.skuRules) ? new WeakMap() : undefined;
  }

  /**
   * Sets (or, with undefined, removes) where priced usage is recorded. For setups whose meter provider exists
   * only after the span processors were constructed (`NodeSDK`).
   */
  useMetrics(metrics: CostMetrics | undefined): void {
    this.metrics = metrics;
  }

  onStart(span: Span, parentContext: Context): void {
    try {
      // Baggage is read here only when SKU rules need it at the end; attribution reads it lazily otherwise.
      const kept = this.baggage;
      const baggage = kept !== undefined ? getBaggage(parentContext) : undefined;
      if (kept !== undefined && baggage !== undefined) kept.set(span, baggage);
      const attributes = span.attributes;
      if (attributes[ATTRIBUTION] !== undefined) return;
      const resource = span.resource;
      if (resource !== this.lastResource) {
        this.lastResourceAttributes = resource.attributes;
        // Resource attributes are fixed once settled; until then re-read them every time.
        this.lastResource = resource.asyncAttributesPending ? undefined : resource;
      }
      const a =
        kept !== undefined
          ? this.attribution.attribute(attributes, this.lastResourceAttributes, resource, baggage)
          : this.attribution.attributeInContext(
              attributes,
              this.lastResourceAttributes,
              resource,
              parentContext,
            );
      span.setAttribute(TENANT, a.tenant);
      span.setAttribute(TEAM, a.team);
      span.setAttribute(CENTER, a.center);
      span.setAttribute(ATTRIBUTION, a.attribution);
      span.setAttribute(RULE, a.rule);
    } catch (err) {
      diag.error(`meterline: attribution of span "${span.name}" failed: ${(err as Error).message}`);
    }
  }

  onEnding(span: Span): void {
    this.sawOnEnding = true;
    try {
      const attributes = span.attributes;
      if (attributes[AMOUNT] !== undefined) return;
      const input = this.input;
      const duration = span.duration;
      input.name = span.name;
      input.kind = KIND_NAMES[span.kind] ?? 'internal';
      input.status = STATUS_NAMES[span.status.code] ?? 'unset';
      input.durationNs = duration[0] * 1e9 + duration[1];
      input.attributes = attributes;
      input.resource =
        span.resource === this.lastResource ? this.lastResourceAttributes : span.resource.attributes;
      input.baggage = this.baggage?.get(span);
      const usages = this.usages;
      const n = this.skus.forSpanInto(input, usages);
      input.baggage = undefined;
      if (n === 0) return;
      const end = span.endTime;
      const endMs = end[0] * 1e3 + end[1] / 1e6;
      const metrics = this.metrics;
      if (metrics !== undefined) {
        metrics.begin(
          stringAttribute(attributes[TENANT]),
          stringAttribute(attributes[TEAM]),
          stringAttribute(attributes[CENTER]),
          stringAttribute(attributes[ATTRIBUTION]),
        );
      }
      const p = this.pricer.price(usages, endMs, metrics?.sink, input.durationNs, n);
      span.setAttribute(SKU, p.sku);
      span.setAttribute(QUANTITY, p.quantity);
      span.setAttribute(UNIT, p.unit);
      span.setAttribute(AMOUNT, p.amount);
      span.setAttribute(CURRENCY, p.currency);
      span.setAttribute(PRICE_VERSION, p.priceVersion);
    } catch (err) {
      diag.error(`meterline: pricing of span "${span.name}" failed: ${(err as Error).message}`);
    }
  }

  onEnd(_span: ReadableSpan): void {
    if (!this.sawOnEnding && !this.warnedNoOnEnding) {
      this.warnedNoOnEnding = true;
      diag.warn(
        'meterline: this OpenTelemetry SDK does not call SpanProcessor.onEnding (needs sdk-trace-base >= 2.3): ' +
          'spans are attributed but not priced in-process',
      );
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Attribution values the processor set are strings; anything else (set by the app) reads as `unknown`. */
function stringAttribute(value: unknown): string {
  return typeof value === 'string' ? value : 'unknown';
}
