/**
 * @meterline/otel-processor — Meterline for Node services and the edge: the in-process
 * `CostSpanProcessor` and cost metrics, `meterline serve` (OTLP receiver, cost engine), the InfluxDB store,
 * and config loading.
 */
export * from './instrument';
export * from './influx';
export * from './store';
export { ConfigFileError, expandEnv, loadConfig, parseConfig, type ConfigFileIssue } from './config/load';
export { MeterlineService, type ServeOptions, type ServiceStats } from './serve/service';
export { CostEngine, type ApplyResult, type CostEngineOptions, type EngineStats } from './engine/cost-engine';
export * as otlp from './otlp';
