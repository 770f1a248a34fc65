import type { SpanKindName, SpanStatusName } from '../config/types';

/** An attribute value as OpenTelemetry carries it. */
export type AttrValue =
  string | number | boolean | ReadonlyArray<string | number | boolean | null | undefined>;

/** Span, data-point or resource attributes. */
export type Attributes = Readonly<Record<string, AttrValue | undefined>>;

/** The part of W3C baggage Meterline reads; OpenTelemetry's `Baggage` fits. */
export interface BaggageLike {
  getEntry(key: string): { value: string } | undefined;
}

/** What SKU rules and attribution see of a finished span. */
export interface SpanInput {
  name: string;
  kind: SpanKindName;
  status: SpanStatusName;
  durationNs: number;
  attributes: Attributes;
  resource: Attributes;
  baggage?: BaggageLike;
}

/** What SKU rules see of one metric data point. */
export interface DataPointInput {
  metricName: string;
  kind: 'sum' | 'gauge' | 'histogram';
  /** Gauges: `delta`. */
  temporality: 'delta' | 'cumulative';
  /** Identity of the stream (resource + scope + metric + attributes). */
  streamKey: string;
  startTimeMs: number;
  timeMs: number;
  /** Sums and gauges. */
  value?: number;
  /** Histograms. */
  count?: number;
  sum?: number;
  attributes: Attributes;
  resource: Attributes;
}

/** One quantity of one SKU produced by one SKU rule. */
export interface Usage {
  ruleId: string;
  sku: string;
  quantity: number;
}

/**
 * An attribute value as a string, the form every matcher compares: numbers and booleans as `String(v)`,
 * arrays as their non-null elements joined with `,`. `undefined`/`null` → undefined (absent).
 */
export function attrToString(value: AttrValue | null | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let out = '';
  let first = true;
  for (const v of value) {
    if (v === undefined || v === null) continue;
    out += first ? String(v) : `,${String(v)}`;
    first = false;
  }
  return out;
}

/** An attribute value as a finite number (numbers, numeric strings), or undefined. */
export function attrToNumber(value: AttrValue | null | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
