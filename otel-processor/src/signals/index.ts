/**
 * Signals evaluated from InfluxDB (ARCHITECTURE.md, "Signals"): budget burn rates and projections,
 * unknown attribution, anomaly scores and anomaly events. `meterline signals` runs them once or
 * periodically; `meterline serve` runs the {@link SignalsLoop}.
 *
 * @packageDocumentation
 */
export {
  ANOMALY_SCORE_SIGNAL,
  HISTORY_CHUNK,
  anomalyScorePoint,
  evaluateAnomalies,
  querySeriesCandidates,
  querySeriesHistory,
  type AnomalyOutcome,
  type AnomalySettings,
  type SignalsLogger,
} from './anomaly';
export {
  ANOMALY_DIMENSIONS,
  anomalousEpisodeStart,
  densify,
  scoreSeries,
  selectSeries,
  seriesName,
  type AnomalyDimension,
  type Bucket,
  type ScoredBucket,
  type SeriesCandidate,
  type SeriesKey,
} from './anomaly-series';
export {
  EVENT_TRACE_IDS,
  amountText,
  anomalyEventPoint,
  anomalyEventText,
  deployFields,
  deployText,
  queryAnomalyContext,
  queryServicesOf,
  topTraceIds,
  type AnomalyEventInput,
  type DeployRow,
  type ExemplarRow,
} from './anomaly-event';
export {
  BURN_RATE_SIGNAL,
  PROJECTED_RATIO_SIGNAL,
  budgetPoints,
  budgetTags,
  evaluateBudgetSignals,
  queryBudgetSpend,
  type BudgetSpend,
} from './budgets';
export { SIGNALS_HELP, runSignalsCommand } from './command';
export {
  evaluateSignals,
  runSignals,
  type EvaluateOptions,
  type SignalPart,
  type SignalsReport,
} from './evaluate';
export { SignalsLoop, type SignalsLoopOptions, type SignalsLoopStats } from './loop';
export { formatSignalsTable } from './output';
export {
  BUDGET_MEASUREMENT,
  EVENT_MEASUREMENT,
  SIGNAL_MEASUREMENT,
  encodePoints,
  tagValue,
  type SignalPoint,
} from './points';
export { signalsSettings } from './settings';
export { alignDown, bucketMs, isoText, lastCompleteBucket, windowEndingAt } from './time';
export {
  UNKNOWN_RATIO_SIGNAL,
  UNKNOWN_WINDOWS,
  evaluateUnknownRatios,
  queryAttributionSums,
  rankSources,
  topUnattributedSources,
  unattributedSourcesQuery,
  unknownRatioPoints,
  unknownRatios,
  type AmountSource,
  type AttributionSum,
  type UnattributedSource,
  type UnknownRatio,
} from './unknown';
