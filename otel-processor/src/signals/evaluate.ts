/**
 * One evaluation of every signal at one time: budgets (burn rate, projection, amount), unknown attribution
 * and anomalies, read from InfluxDB and written back to it. Shared by `meterline signals --once` and the
 * loop inside `meterline serve`.
 *
 * @packageDocumentation
 */
import type { AnomalyParams, MeterlineConfig } from '@meterline/cost-model';
import type { InfluxStore } from '../influx/store';
import { evaluateAnomalies, type SignalsLogger } from './anomaly';
import type { SeriesCandidate } from './anomaly-series';
import { evaluateBudgetSignals } from './budgets';
import { encodePoints, type SignalPoint } from './points';
import { signalsSettings } from './settings';
import { alignDown, type TimeRange } from './time';
import { evaluateUnknownRatios } from './unknown';

/** The parts of an evaluation, each evaluated (and failing) on its own. */
export type SignalPart = 'budgets' | 'unknown' | 'anomaly';

/** What one evaluation computed (and, after {@link runSignals}, wrote). */
export interface SignalsReport {
  /** The evaluation time: the requested time aligned down to `signals.intervalMs`. */
  atMs: number;
  /** Every point, in the order written: budgets, unknown ratios, anomaly scores, anomaly events. */
  points: SignalPoint[];
  /** The anomaly bucket that was scored (absent when the anomaly part failed). */
  anomalyBucket?: TimeRange;
  /** Anomaly series left out by `signals.anomaly.maxSeries`. */
  skippedSeries: SeriesCandidate[];
  /** Parts that failed, with why; the other parts' points are still written. */
  errors: { part: SignalPart; error: Error }[];
}

/** Options of {@link evaluateSignals}. */
export interface EvaluateOptions {
  logger?: SignalsLogger;
  /** Detector parameters (tests, tuning); cost-model's defaults otherwise. */
  detector?: Partial<AnomalyParams>;
}

/**
 * Evaluates every signal at `requestedMs` aligned down to the evaluation interval, without writing. A part
 * that fails (InfluxDB refusing a query, a truncated answer) is recorded in `errors` and the others go on:
 * an anomaly query that hits a server limit must not stop budget burn rates from being written.
 */
export async function evaluateSignals(
  store: InfluxStore,
  config: MeterlineConfig,
  requestedMs: number,
  options: EvaluateOptions = {},
): Promise<SignalsReport> {
  const settings = signalsSettings(config);
  const atMs = alignDown(requestedMs, settings.intervalMs);
  const report: SignalsReport = { atMs, points: [], skippedSeries: [], errors: [] };
  const part = async (name: SignalPart, body: () => Promise<void>): Promise<void> => {
    try {
      await body();
    } catch (err) {
      report.errors.push({ part: name, error: err instanceof Error ? err : new Error(String(err)) });
    }
  };
  await part('budgets', async () => {
    report.points.push(...(await evaluateBudgetSignals(store, config.budgets, atMs)));
  });
  await part('unknown', async () => {
    report.points.push(...(await evaluateUnknownRatios(store, atMs)));
  });
  await part('anomaly', async () => {
    const outcome = await evaluateAnomalies(
      store,
      { ...settings.anomaly, deployLookbackMs: settings.deployLookbackMs },
      atMs,
      options,
    );
    report.points.push(...outcome.points, ...outcome.events);
    report.anomalyBucket = outcome.bucket;
    report.skippedSeries = outcome.skipped;
  });
  return report;
}

/** Evaluates at `requestedMs` (see {@link evaluateSignals}) and writes the points. */
export async function runSignals(
  store: InfluxStore,
  config: MeterlineConfig,
  requestedMs: number,
  options: EvaluateOptions = {},
): Promise<SignalsReport> {
  const report = await evaluateSignals(store, config, requestedMs, options);
  if (report.points.length > 0) await store.write(encodePoints(report.points));
  return report;
}
