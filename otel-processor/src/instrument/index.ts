/**
 * In-process instrumentation: the {@link CostSpanProcessor}, the cost metrics, and one-call registration.
 */
export * from './attributes';
export { type CompiledMeterline, type MeterlineInput, compileMeterline } from './compile';
export { CostSpanProcessor, type CostSpanProcessorOptions } from './cost-span-processor';
export {
  COST_METRIC,
  CostMetrics,
  type CostMetricsOptions,
  DEFAULT_MAX_SERIES,
  OVERFLOW_ATTRIBUTE,
  USAGE_METRIC_PREFIX,
  otelUnit,
  usageMetricName,
} from './cost-metrics';
export {
  type TenantFromBaggageViewOptions,
  baggageAttributesProcessor,
  tenantFromBaggageView,
} from './baggage-view';
export {
  METER_NAME,
  type MeterlineHandles,
  type MeterlineViewsOptions,
  type RegisterMeterlineOptions,
  createCostMetrics,
  meterlineSpanProcessors,
  meterlineViews,
  registerMeterline,
} from './register';
export type { SpanPrice, UsageSink } from './span-pricer';
