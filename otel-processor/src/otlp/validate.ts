/**
 * Per-item validation of decoded requests: bad spans or data points are dropped and counted for the
 * partial-success response; the rest of the request is accepted. Never throws for bad items.
 *
 * Not checked (they are not errors): strings with invalid UTF-8 (already decoded with U+FFFD replacements),
 * unknown enum values (proto3 enums are open), empty span names.
 */
import type {
  AnyValue,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Int64,
  KeyValue,
  Metric,
  MetricsRequest,
  NumberDataPoint,
  Span,
  SummaryDataPoint,
  TracesRequest,
} from './model';
import { FLAG_NO_RECORDED_VALUE } from './model';
import { msToNanos } from './int64';

/** Validation options. */
export interface ValidateOptions {
  /** "Now" in epoch ms: the request's receive time (never the wall clock, so WAL replays validate alike). */
  nowMs: number;
  /** Items whose time is further ahead of `nowMs` are rejected (default 1 h). */
  maxFutureMs?: number;
  /**
   * Longer string attribute values (in UTF-16 code units) are truncated in place to this length plus
   * {@link TRUNCATION_MARKER}, and counted (default 64 KiB; `Infinity` disables).
   */
  maxAttributeValueLength?: number;
}

/** What validation kept and rejected. */
export interface ValidationResult<T> {
  /** The valid items: the input object itself when nothing was rejected, else a filtered shallow copy. */
  request: T;
  /** Spans or data points rejected. */
  rejected: number;
  /** Attribute values truncated. */
  truncated: number;
  /** For the partial-success `errorMessage`: the first few problems with their paths, or `''`. */
  message: string;
}

/** Appended to truncated attribute values. */
export const TRUNCATION_MARKER = '…[truncated]';

const MAX_EXAMPLES = 5;

/** Default of {@link ValidateOptions.maxAttributeValueLength}. */
export const DEFAULT_MAX_ATTRIBUTE_VALUE_LENGTH = 65_536;

/** Unsigned compare of two 64-bit values: <0, 0, >0. */
function cmpU(a: Int64, b: Int64): number {
  const ah = a.high >>> 0;
  const bh = b.high >>> 0;
  if (ah !== bh) return ah < bh ? -1 : 1;
  const al = a.low >>> 0;
  const bl = b.low >>> 0;
  return al === bl ? 0 : al < bl ? -1 : 1;
}

function isZero(t: Int64): boolean {
  return t.low === 0 && t.high === 0;
}

function validId(id: Uint8Array | undefined, length: number): boolean {
  if (id === undefined || id.length !== length) return false;
  for (let i = 0; i < length; i++) if (id[i] !== 0) return true;
  return false; // all-zero ids are invalid
}

class Checker {
  readonly futureLimit: Int64;
  readonly maxLen: number;
  rejected = 0;
  truncated = 0;
  readonly examples: string[] = [];

  constructor(
    opts: ValidateOptions,
    private readonly noun: string,
  ) {
    this.futureLimit = msToNanos(opts.nowMs + (opts.maxFutureMs ?? 3_600_000));
    this.maxLen = opts.maxAttributeValueLength ?? DEFAULT_MAX_ATTRIBUTE_VALUE_LENGTH;
  }

  reject(path: () => string, reason: string): void {
    this.rejected++;
    if (this.examples.length < MAX_EXAMPLES) this.examples.push(`${path()}: ${reason}`);
  }

  /** Problems with a time that must be set; `undefined` if fine. */
  time(t: Int64, name: string): string | undefined {
    if (isZero(t)) return `${name} is missing`;
    if (cmpU(t, this.futureLimit) > 0) return `${name} is too far in the future`;
    return undefined;
  }

  attributes(kvs: KeyValue[] | undefined): void {
    if (kvs === undefined || this.maxLen === Infinity) return;
    for (let i = 0; i < kvs.length; i++) {
      const v = (kvs[i] as KeyValue).value;
      if (v != null) this.value(v);
    }
  }

  private value(v: AnyValue): void {
    const s = v.stringValue;
    if (s != null) {
      if (s.length > this.maxLen) {
        let end = this.maxLen;
        // Do not split a surrogate pair.
        const c = s.charCodeAt(end - 1);
        if (c >= 0xd800 && c <= 0xdbff) end--;
        v.stringValue = s.slice(0, end) + TRUNCATION_MARKER;
        this.truncated++;
      }
    } else if (v.arrayValue != null) {
      for (const e of v.arrayValue.values) this.value(e);
    } else if (v.kvlistValue != null) {
      this.attributes(v.kvlistValue.values);
    }
  }

  message(): string {
    const parts: string[] = [];
    if (this.rejected > 0) {
      const more = this.rejected - this.examples.length;
      parts.push(
        `${this.rejected} ${this.noun}${this.rejected === 1 ? '' : 's'} rejected: ${this.examples.join('; ')}` +
          (more > 0 ? `; and ${more} more` : ''),
      );
    }
    if (this.truncated > 0)
      parts.push(`${this.truncated} attribute value(s) truncated to ${this.maxLen} characters`);
    return parts.join('. ');
  }
}

// ------------------------------------------------------------------------------------------------ traces

function spanProblem(s: Span, c: Checker): string | undefined {
  if (!validId(s.traceId, 16)) return 'traceId must be 16 bytes, not all zero';
  if (!validId(s.spanId, 8)) return 'spanId must be 8 bytes, not all zero';
  const parent = s.parentSpanId;
  if (parent !== undefined && parent.length !== 0 && parent.length !== 8)
    return 'parentSpanId must be empty or 8 bytes';
  const start = c.time(s.startTimeUnixNano, 'startTimeUnixNano');
  if (start !== undefined) return start;
  const end = c.time(s.endTimeUnixNano, 'endTimeUnixNano');
  if (end !== undefined) return end;
  if (cmpU(s.endTimeUnixNano, s.startTimeUnixNano) < 0) return 'endTimeUnixNano is before startTimeUnixNano';
  return undefined;
}

/**
 * Validates spans: ids (16/8 bytes, not all zero; parent empty or 8 bytes), start and end times set, end not
 * before start, neither too far in the future. Truncates over-long string attribute values in place.
 */
export function validateTraces(
  request: TracesRequest,
  opts: ValidateOptions,
): ValidationResult<TracesRequest> {
  const c = new Checker(opts, 'span');
  const rss = request.resourceSpans;
  for (let i = 0; i < rss.length; i++) {
    const rs = rss[i]!;
    c.attributes(rs.resource?.attributes);
    for (let j = 0; j < rs.scopeSpans.length; j++) {
      const ss = rs.scopeSpans[j]!;
      c.attributes(ss.scope?.attributes);
      for (let k = 0; k < ss.spans.length; k++) {
        const s = ss.spans[k]!;
        c.attributes(s.attributes);
        if (s.events !== undefined) for (const e of s.events) c.attributes(e.attributes);
        if (s.links !== undefined) for (const l of s.links) c.attributes(l.attributes);
        const problem = spanProblem(s, c);
        if (problem !== undefined)
          c.reject(() => `resourceSpans[${i}].scopeSpans[${j}].spans[${k}]`, problem);
      }
    }
  }
  if (c.rejected === 0) return { request, rejected: 0, truncated: c.truncated, message: c.message() };
  // Rare path: copy the containers, keeping only valid spans (the checks are pure, so re-running them is safe).
  const filtered: TracesRequest = {
    resourceSpans: rss
      .map((rs) =>
        copy(rs, {
          scopeSpans: rs.scopeSpans
            .map((ss) => copy(ss, { spans: ss.spans.filter((s) => spanProblem(s, c) === undefined) }))
            .filter((ss, j) => ss.spans.length > 0 || rs.scopeSpans[j]!.spans.length === 0),
        }),
      )
      .filter((rs, i) => rs.scopeSpans.length > 0 || rss[i]!.scopeSpans.length === 0),
  };
  return { request: filtered, rejected: c.rejected, truncated: c.truncated, message: c.message() };
}

/** A shallow copy keeping the prototype (decoded messages read defaults from it). */
function copy<T extends object>(o: T, changes: Partial<T>): T {
  return Object.assign(Object.create(Object.getPrototypeOf(o) as object) as T, o, changes);
}

// ----------------------------------------------------------------------------------------------- metrics

function finite(v: number | null | undefined): boolean {
  return v == null || Number.isFinite(v);
}

function pointTimes(p: { startTimeUnixNano: Int64; timeUnixNano: Int64 }, c: Checker): string | undefined {
  const t = c.time(p.timeUnixNano, 'timeUnixNano');
  if (t !== undefined) return t;
  if (!isZero(p.startTimeUnixNano) && cmpU(p.startTimeUnixNano, p.timeUnixNano) > 0)
    return 'startTimeUnixNano is after timeUnixNano';
  return undefined;
}

function noValue(flags: number | undefined): boolean {
  return ((flags ?? 0) & FLAG_NO_RECORDED_VALUE) !== 0;
}

function numberPointProblem(p: NumberDataPoint, c: Checker): string | undefined {
  const t = pointTimes(p, c);
  if (t !== undefined) return t;
  if (noValue(p.flags)) return undefined; // a staleness marker: its value is meaningless
  if (p.asDouble != null) return Number.isFinite(p.asDouble) ? undefined : `value is ${p.asDouble}`;
  return p.asInt != null ? undefined : 'no value (asDouble or asInt)';
}

function histogramPointProblem(p: HistogramDataPoint, c: Checker): string | undefined {
  const t = pointTimes(p, c);
  if (t !== undefined) return t;
  if (noValue(p.flags)) return undefined;
  if (!finite(p.sum) || !finite(p.min) || !finite(p.max)) return 'sum, min and max must be finite';
  const n = p.bucketCounts.length;
  if (n !== 0 && n !== p.explicitBounds.length + 1)
    return `${n} bucketCounts for ${p.explicitBounds.length} explicitBounds (expected ${p.explicitBounds.length + 1})`;
  for (let i = 0; i < p.explicitBounds.length; i++) {
    const b = p.explicitBounds[i]!;
    if (!Number.isFinite(b) || (i > 0 && b <= p.explicitBounds[i - 1]!))
      return 'explicitBounds must be finite and strictly increasing';
  }
  return undefined;
}

function expHistogramPointProblem(p: ExponentialHistogramDataPoint, c: Checker): string | undefined {
  const t = pointTimes(p, c);
  if (t !== undefined) return t;
  if (noValue(p.flags)) return undefined;
  if (!finite(p.sum) || !finite(p.min) || !finite(p.max)) return 'sum, min and max must be finite';
  if (!finite(p.zeroThreshold) || (p.zeroThreshold ?? 0) < 0) return 'zeroThreshold must be finite and ≥ 0';
  return undefined;
}

function summaryPointProblem(p: SummaryDataPoint, c: Checker): string | undefined {
  const t = pointTimes(p, c);
  if (t !== undefined) return t;
  if (noValue(p.flags)) return undefined;
  if (!Number.isFinite(p.sum)) return `sum is ${p.sum}`;
  for (const q of p.quantileValues)
    if (!(q.quantile >= 0 && q.quantile <= 1)) return `quantile ${q.quantile} is outside [0, 1]`;
  return undefined;
}

type AnyPoint = NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint;

/** The metric's data points with their checker, or a problem that rejects every point. */
function metricPoints(
  m: Metric,
):
  | { points: AnyPoint[]; check: (p: AnyPoint, c: Checker) => string | undefined; metricProblem?: string }
  | undefined {
  const named = m.name === '' ? 'metric name is empty' : undefined;
  const temporality = (t: number): string | undefined =>
    named ??
    (t === 1 || t === 2 ? undefined : `aggregationTemporality ${t} is not DELTA (1) or CUMULATIVE (2)`);
  const asAny = <P extends AnyPoint>(f: (p: P, c: Checker) => string | undefined) =>
    f as (p: AnyPoint, c: Checker) => string | undefined;
  if (m.sum != null)
    return {
      points: m.sum.dataPoints,
      check: asAny(numberPointProblem),
      metricProblem: temporality(m.sum.aggregationTemporality),
    };
  if (m.gauge != null)
    return { points: m.gauge.dataPoints, check: asAny(numberPointProblem), metricProblem: named };
  if (m.histogram != null)
    return {
      points: m.histogram.dataPoints,
      check: asAny(histogramPointProblem),
      metricProblem: temporality(m.histogram.aggregationTemporality),
    };
  if (m.exponentialHistogram != null)
    return {
      points: m.exponentialHistogram.dataPoints,
      check: asAny(expHistogramPointProblem),
      metricProblem: temporality(m.exponentialHistogram.aggregationTemporality),
    };
  if (m.summary != null)
    return { points: m.summary.dataPoints, check: asAny(summaryPointProblem), metricProblem: named };
  return undefined;
}

/** A copy of a metric with its data member's points replaced. */
function withPoints(m: Metric, points: AnyPoint[]): Metric {
  for (const key of ['sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary'] as const) {
    const data = m[key];
    if (data != null) return copy(m, { [key]: copy(data, { dataPoints: points } as never) });
  }
  return m;
}

/**
 * Validates data points: time set, not too far in the future, start not after time; finite values (NaN/±Inf
 * allowed only with the no-recorded-value flag); histogram buckets consistent; sums and histograms with a
 * DELTA or CUMULATIVE temporality; metrics with a name. Truncates over-long string attribute values in place.
 */
export function validateMetrics(
  request: MetricsRequest,
  opts: ValidateOptions,
): ValidationResult<MetricsRequest> {
  const c = new Checker(opts, 'data point');
  const rms = request.resourceMetrics;
  for (let i = 0; i < rms.length; i++) {
    const rm = rms[i]!;
    c.attributes(rm.resource?.attributes);
    for (let j = 0; j < rm.scopeMetrics.length; j++) {
      const sm = rm.scopeMetrics[j]!;
      c.attributes(sm.scope?.attributes);
      for (let k = 0; k < sm.metrics.length; k++) {
        const m = sm.metrics[k]!;
        const mp = metricPoints(m);
        if (mp === undefined) continue;
        for (let n = 0; n < mp.points.length; n++) {
          const p = mp.points[n]!;
          c.attributes(p.attributes);
          const problem = mp.metricProblem ?? mp.check(p, c);
          if (problem !== undefined)
            c.reject(
              () => `resourceMetrics[${i}].scopeMetrics[${j}].metrics[${k}] (${m.name}).dataPoints[${n}]`,
              problem,
            );
        }
      }
    }
  }
  if (c.rejected === 0) return { request, rejected: 0, truncated: c.truncated, message: c.message() };
  const filtered: MetricsRequest = {
    resourceMetrics: rms
      .map((rm) =>
        copy(rm, {
          scopeMetrics: rm.scopeMetrics
            .map((sm) =>
              copy(sm, {
                metrics: sm.metrics.flatMap((m) => {
                  const mp = metricPoints(m);
                  if (mp === undefined) return [m];
                  const kept =
                    mp.metricProblem !== undefined
                      ? []
                      : mp.points.filter((p) => mp.check(p, c) === undefined);
                  if (kept.length === mp.points.length) return [m];
                  return kept.length > 0 ? [withPoints(m, kept)] : [];
                }),
              }),
            )
            .filter((sm, j) => sm.metrics.length > 0 || rm.scopeMetrics[j]!.metrics.length === 0),
        }),
      )
      .filter((rm, i) => rm.scopeMetrics.length > 0 || rms[i]!.scopeMetrics.length === 0),
  };
  return { request: filtered, rejected: c.rejected, truncated: c.truncated, message: c.message() };
}
