/** Small readers for the oneofs of the metrics model. */
import type { Metric, MetricDataKind, NumberDataPoint } from './model';
import { int64ToNumber } from './int64';

/** Which data member a metric carries, or `undefined` for a metric without data. */
export function metricDataKind(m: Metric): MetricDataKind | undefined {
  if (m.sum != null) return 'sum';
  if (m.gauge != null) return 'gauge';
  if (m.histogram != null) return 'histogram';
  if (m.exponentialHistogram != null) return 'exponentialHistogram';
  if (m.summary != null) return 'summary';
  return undefined;
}

/** A number data point's value as a JS number (`asInt` beyond 2^53 rounds), or `undefined` if it has none. */
export function numberValue(p: NumberDataPoint): number | undefined {
  if (p.asDouble != null) return p.asDouble;
  if (p.asInt != null) return int64ToNumber(p.asInt);
  return undefined;
}
