/**
 * The points signal evaluation writes, as plain {@link PointInput}s: the same objects are encoded as line
 * protocol and printed in the command's summary, so what is shown is what was written.
 *
 * Measurements (ARCHITECTURE.md, "InfluxDB data contract"): `cost_signal`, `cost_event`, `cost_budget`.
 * Every point's series and time depend only on the evaluation time and the data read, so re-evaluating
 * rewrites the same points in place.
 *
 * @packageDocumentation
 */
import { encodeLine, sanitizeTagValue, type PointInput } from '../influx/line-protocol';

/** Measurement of evaluated signals. */
export const SIGNAL_MEASUREMENT = 'cost_signal';
/** Measurement of events (deploys from `serve`, anomalies from here). */
export const EVENT_MEASUREMENT = 'cost_event';
/** Measurement of budget amounts per period. */
export const BUDGET_MEASUREMENT = 'cost_budget';

/** A point with an epoch-ms time (signals never rely on the server's clock). */
export type SignalPoint = PointInput & { time: number };

/**
 * A tag value from configuration or from InfluxDB: mapped so that line protocol can carry it (a budget name
 * with a newline must not make the whole evaluation fail), `undefined` for an empty value (omitted).
 */
export function tagValue(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : sanitizeTagValue(value);
}

/** Encodes points as line protocol with millisecond precision (the store's default). */
export function encodePoints(points: readonly SignalPoint[]): string[] {
  return points.map((p) => encodeLine(p));
}
