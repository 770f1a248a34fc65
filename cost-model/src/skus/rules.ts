import type {
  AttributeSource,
  QuantityConfig,
  SkuRuleConfig,
  SpanKindName,
  SpanStatusName,
} from '../config/types';
import { type MatchInput, type Predicate, compileAll, compileLookup } from '../attribution/matcher';
import { type DataPointInput, type SpanInput, type Usage, attrToNumber } from '../telemetry/inputs';
import { CumulativeToDelta, type StreamState } from './cumulative-delta';
import { GaugeIntegrator, type GaugeState } from './gauge-integral';

/** Quantity types that apply to spans, and those that apply to metric data points. */
export const SPAN_QUANTITY_TYPES = ['count', 'duration', 'duration_memory', 'attribute'] as const;
export const METRIC_QUANTITY_TYPES = [
  'count',
  'sum',
  'gauge_integral',
  'histogram_count',
  'histogram_sum',
] as const;

/**
 * Memory units of `duration_memory`, in GB. Powers of 1024, as AWS Lambda and Cloud Run bill memory
 * (128 MB × 1 s = 0.125 GB-s).
 */
export const MEMORY_UNIT_GB: Readonly<Record<'B' | 'KB' | 'MB' | 'GB', number>> = {
  B: 1 / 1024 ** 3,
  KB: 1 / 1024 ** 2,
  MB: 1 / 1024,
  GB: 1,
};

const EMPTY: readonly Usage[] = Object.freeze([]);
const NS_PER_S = 1e9;
/** Bitmask width for caching the arrays of constant usages. */
const MAX_CACHED_RULES = 31;
const CONST_ARRAY_CACHE_LIMIT = 1024;

type SpanQuantity = (span: SpanInput) => number | undefined;

interface SpanRule {
  id: string;
  sku: string;
  names: ReadonlySet<string> | undefined;
  kinds: ReadonlySet<SpanKindName> | undefined;
  statuses: ReadonlySet<SpanStatusName> | undefined;
  match: Predicate | undefined;
  /** Set when the quantity does not depend on the span: one frozen usage shared by every span. */
  constant: Usage | undefined;
  /** Bit of `constant` in the cache mask, or 0 when not cacheable. */
  bit: number;
  quantity: SpanQuantity;
  /** `forSpanInto`'s reused usage of a span-dependent quantity (its `quantity` overwritten per call). */
  scratch: Usage;
}

interface MetricRule {
  id: string;
  sku: string;
  names: ReadonlySet<string> | undefined;
  match: Predicate | undefined;
  type: (typeof METRIC_QUANTITY_TYPES)[number];
  /** Multiplier of the raw quantity (includes `1/per` for gauge integrals). */
  factor: number;
}

/**
 * Compiled SKU rules: map a span or a metric data point to zero or more (SKU, quantity). Every matching
 * rule emits, so a span can carry several SKUs. Quantities are JS numbers (they are measurements, not
 * money); money becomes exact when a quantity is priced.
 *
 * Spans: `count` (scale per span), `duration` (seconds × scale), `duration_memory` (seconds × GB → GB-s),
 * `attribute` (a numeric attribute × scale). A dynamic quantity whose input is missing or not numeric emits
 * nothing for that rule.
 *
 * Data points: `count` (scale per point), `sum` (delta, × scale), `gauge_integral` (value × seconds / per ×
 * scale), `histogram_count` / `histogram_sum` (deltas, × scale). Cumulative streams are turned into deltas
 * per stream (see {@link CumulativeToDelta}); zero quantities from metrics are not emitted.
 */
/** Per-stream metric state of {@link SkuRules}, JSON-safe. */
export interface SkuRulesState {
  cumulative: [string, StreamState][];
  histograms: [string, StreamState][];
  gauges: [string, GaugeState][];
}

export class SkuRules {
  private readonly constArrays = new Map<number, readonly Usage[]>();
  private readonly cumulative = new CumulativeToDelta();
  private readonly histograms = new CumulativeToDelta();
  private readonly gauges = new GaugeIntegrator();

  /**
   * Span rules that can match each span kind (rules without `kinds` are in every list), in rule order:
   * most rules name a kind, so a span is tested against a few rules rather than all of them.
   */
  private readonly byKind: ReadonlyMap<string, readonly SpanRule[]>;

  private constructor(
    private readonly spanRules: readonly SpanRule[],
    private readonly metricRules: readonly MetricRule[],
  ) {
    const kinds: readonly SpanKindName[] = ['internal', 'server', 'client', 'producer', 'consumer'];
    this.byKind = new Map(
      kinds.map((k) => [k, spanRules.filter((r) => r.kinds === undefined || r.kinds.has(k))]),
    );
  }

  /**
   * Compiles rules (as validated by `validateConfig`).
   *
   * @throws naming the rule id when a quantity type does not fit the rule's signal, a regex does not
   * compile or a scale is not a number.
   */
  static compile(rules: readonly SkuRuleConfig[]): SkuRules {
    const spanRules: SpanRule[] = [];
    const metricRules: MetricRule[] = [];
    let nextBit = 0;
    for (const rule of rules) {
      const where = `SKU rule "${rule.id}"`;
      let match: Predicate | undefined;
      try {
        match = rule.match.attributes?.length ? compileAll(rule.match.attributes) : undefined;
      } catch (err) {
        throw new RangeError(`${where}: ${(err as Error).message}`);
      }
      const names = rule.match.names?.length ? new Set(rule.match.names) : undefined;
      if (rule.match.signal === 'span') {
        const q = compileSpanQuantity(rule.quantity, where);
        const constant =
          typeof q === 'number' ? Object.freeze({ ruleId: rule.id, sku: rule.sku, quantity: q }) : undefined;
        let bit = 0;
        if (constant !== undefined && nextBit < MAX_CACHED_RULES) bit = 1 << nextBit++;
        spanRules.push({
          id: rule.id,
          sku: rule.sku,
          names,
          kinds: rule.match.kinds?.length ? new Set(rule.match.kinds) : undefined,
          statuses: rule.match.statuses?.length ? new Set(rule.match.statuses) : undefined,
          match,
          constant,
          bit,
          quantity: typeof q === 'number' ? () => q : q,
          scratch: { ruleId: rule.id, sku: rule.sku, quantity: 0.5 }, // a double field from the start
        });
      } else if (rule.match.signal === 'metric') {
        const type = rule.quantity.type;
        if (!(METRIC_QUANTITY_TYPES as readonly string[]).includes(type)) {
          throw new RangeError(`${where}: quantity type "${type}" does not apply to metrics`);
        }
        const q = rule.quantity as Extract<QuantityConfig, { type: (typeof METRIC_QUANTITY_TYPES)[number] }>;
        let factor = parseScale('scale' in q ? q.scale : undefined, where);
        if (q.type === 'gauge_integral') {
          const per = q.per ?? 3600;
          if (!(per > 0))
            throw new RangeError(`${where}: per must be a positive number of seconds, got ${per}`);
          factor /= per;
        }
        metricRules.push({ id: rule.id, sku: rule.sku, names, match, type: q.type, factor });
      } else {
        throw new RangeError(`${where}: unknown signal ${JSON.stringify(rule.match.signal)}`);
      }
    }
    return new SkuRules(spanRules, metricRules);
  }

  /** Usages of a finished span, in rule order. May return shared frozen arrays: never mutate the result. */
  forSpan(span: SpanInput): readonly Usage[] {
    const rules = this.byKind.get(span.kind) ?? this.spanRules;
    let mask = 0;
    let out: Usage[] | undefined;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (rule.names !== undefined && !rule.names.has(span.name)) continue;
      if (rule.kinds !== undefined && !rule.kinds.has(span.kind)) continue;
      if (rule.statuses !== undefined && !rule.statuses.has(span.status)) continue;
      if (rule.match !== undefined && !rule.match(span)) continue;
      if (rule.constant !== undefined && rule.bit !== 0 && out === undefined) {
        mask |= rule.bit;
        continue;
      }
      let usage = rule.constant;
      if (usage === undefined) {
        const quantity = rule.quantity(span);
        if (quantity === undefined) continue;
        usage = { ruleId: rule.id, sku: rule.sku, quantity };
      }
      if (out === undefined) out = this.materialize(rules, mask, i);
      out.push(usage);
    }
    if (out !== undefined) return out;
    if (mask === 0) return EMPTY;
    return this.constArray(mask);
  }

  /**
   * {@link SkuRules.forSpan} without allocating, for hot paths: writes the span's usages into `out` from index 0
   * (growing it if needed) and returns how many; entries past that count are stale. Usages of span-dependent
   * quantities are scratch objects owned by their rule, overwritten by the next call: read them before calling
   * again, never keep or mutate them. Same usages, same order as `forSpan`.
   */
  forSpanInto(span: SpanInput, out: Usage[]): number {
    const byKind = this.byKind.get(span.kind);
    // The per-kind list holds only rules that accept this kind; the full list needs the kind test.
    const rules = byKind ?? this.spanRules;
    const checkKind = byKind === undefined;
    let n = 0;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (rule.names !== undefined && !rule.names.has(span.name)) continue;
      if (checkKind && rule.kinds !== undefined && !rule.kinds.has(span.kind)) continue;
      if (rule.statuses !== undefined && !rule.statuses.has(span.status)) continue;
      if (rule.match !== undefined && !rule.match(span)) continue;
      let usage = rule.constant;
      if (usage === undefined) {
        const quantity = rule.quantity(span);
        if (quantity === undefined) continue;
        usage = rule.scratch;
        usage.quantity = quantity;
      }
      if (n < out.length) out[n] = usage;
      else out.push(usage);
      n++;
    }
    return n;
  }

  /**
   * Usages of one metric data point, in rule order. Stateful per stream: cumulative sums and histograms
   * become deltas (the first point of a stream is a baseline), gauges are integrated over time.
   */
  forDataPoint(point: DataPointInput): Usage[] {
    const out: Usage[] = [];
    // Each stream's state advances at most once per point, however many rules read it.
    let sumDelta: number | undefined | null = null;
    let histogram: { count: number; sum: number } | undefined | null = null;
    let integral: number | undefined | null = null;
    const input: MatchInput = point;
    for (const rule of this.metricRules) {
      if (rule.names !== undefined && !rule.names.has(point.metricName)) continue;
      if (rule.match !== undefined && !rule.match(input)) continue;
      let raw: number | undefined;
      switch (rule.type) {
        case 'count':
          raw = 1;
          break;
        case 'sum':
          if (point.kind !== 'sum') continue;
          if (sumDelta === null) sumDelta = this.sumDelta(point);
          raw = sumDelta;
          break;
        case 'gauge_integral':
          if (point.kind === 'histogram') continue;
          if (integral === null) integral = this.integral(point);
          raw = integral;
          break;
        case 'histogram_count':
        case 'histogram_sum':
          if (point.kind !== 'histogram') continue;
          if (histogram === null) histogram = this.histogramDelta(point);
          raw =
            histogram === undefined
              ? undefined
              : rule.type === 'histogram_count'
                ? histogram.count
                : histogram.sum;
          break;
      }
      if (raw === undefined || raw === 0) continue;
      out.push({ ruleId: rule.id, sku: rule.sku, quantity: raw * rule.factor });
    }
    return out;
  }

  /** Streams tracked for cumulative deltas and gauge integrals. */
  get streamCount(): number {
    return this.cumulative.size + this.histograms.size + this.gauges.size;
  }

  /** Forgets per-stream state not updated since `timeMs`. */
  evictIdle(timeMs: number): void {
    this.cumulative.evictIdle(timeMs);
    this.histograms.evictIdle(timeMs);
    this.gauges.evictIdle(timeMs);
  }

  /**
   * The per-stream metric state (cumulative → delta, gauge integration), for a checkpoint: restoring it
   * lets a restarted process continue every stream where it left off instead of starting a new baseline.
   */
  snapshotState(): SkuRulesState {
    return {
      cumulative: this.cumulative.snapshot(),
      histograms: this.histograms.snapshot(),
      gauges: this.gauges.snapshot(),
    };
  }

  /** Restores a {@link snapshotState}. */
  restoreState(state: SkuRulesState): void {
    this.cumulative.restore(state.cumulative);
    this.histograms.restore(state.histograms);
    this.gauges.restore(state.gauges);
  }

  private sumDelta(point: DataPointInput): number | undefined {
    const value = finite(point.value);
    if (value === undefined) return undefined;
    if (point.temporality === 'delta') return value;
    return this.cumulative.next(point.streamKey, point.startTimeMs, point.timeMs, value)?.delta;
  }

  private histogramDelta(point: DataPointInput): { count: number; sum: number } | undefined {
    const count = finite(point.count);
    const sum = finite(point.sum) ?? 0;
    if (count === undefined) return undefined;
    if (point.temporality === 'delta') return { count, sum };
    return this.histograms.nextHistogram(point.streamKey, point.startTimeMs, point.timeMs, count, sum);
  }

  private integral(point: DataPointInput): number | undefined {
    const value = finite(point.value);
    if (value === undefined) return undefined;
    return this.gauges.next(point.streamKey, point.timeMs, value);
  }

  /** A fresh array holding, in order, the constant usages of `rules[0..end)` recorded in `mask`. */
  private materialize(rules: readonly SpanRule[], mask: number, end: number): Usage[] {
    const out: Usage[] = [];
    if (mask === 0) return out;
    for (let i = 0; i < end; i++) {
      const rule = rules[i]!;
      if ((mask & rule.bit) !== 0) out.push(rule.constant!);
    }
    return out;
  }

  private constArray(mask: number): readonly Usage[] {
    let arr = this.constArrays.get(mask);
    if (arr === undefined) {
      arr = Object.freeze(this.materialize(this.spanRules, mask, this.spanRules.length));
      if (this.constArrays.size >= CONST_ARRAY_CACHE_LIMIT) this.constArrays.clear();
      this.constArrays.set(mask, arr);
    }
    return arr;
  }
}

function finite(v: number | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function parseScale(scale: string | undefined, where: string): number {
  if (scale === undefined) return 1;
  const n = Number(scale);
  if (typeof scale !== 'string' || scale.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new RangeError(`${where}: scale must be a non-negative number, got ${JSON.stringify(scale)}`);
  }
  return n;
}

/** A constant quantity (number) or a function of the span. */
function compileSpanQuantity(q: QuantityConfig, where: string): number | SpanQuantity {
  switch (q.type) {
    case 'count':
      return parseScale(q.scale, where);
    case 'duration': {
      const scale = parseScale(q.scale, where);
      return (span) => (span.durationNs / NS_PER_S) * scale;
    }
    case 'duration_memory': {
      const fixedGb = q.memoryGb === undefined ? undefined : parseScale(q.memoryGb, where);
      if (q.memoryAttribute === undefined) {
        if (fixedGb === undefined)
          throw new RangeError(`${where}: duration_memory needs memoryAttribute or memoryGb`);
        return (span) => (span.durationNs / NS_PER_S) * fixedGb;
      }
      const unit = MEMORY_UNIT_GB[q.memoryUnit ?? 'MB'];
      if (unit === undefined)
        throw new RangeError(`${where}: unknown memoryUnit ${JSON.stringify(q.memoryUnit)}`);
      const lookup = compileLookup(q.memoryAttribute, q.memorySource ?? 'any');
      return (span) => {
        const mem = attrToNumber(lookup(span));
        const gb = mem === undefined ? fixedGb : mem * unit;
        return gb === undefined ? undefined : (span.durationNs / NS_PER_S) * gb;
      };
    }
    case 'attribute': {
      const scale = parseScale(q.scale, where);
      const lookup = compileLookup(q.attribute, q.source ?? ('any' satisfies AttributeSource));
      return (span) => {
        const v = attrToNumber(lookup(span));
        return v === undefined ? undefined : v * scale;
      };
    }
    default:
      throw new RangeError(`${where}: quantity type "${q.type}" does not apply to spans`);
  }
}
