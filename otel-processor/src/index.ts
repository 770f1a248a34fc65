/**
 * @meterline/otel-processor — Meterline for Node services and the edge: the in-process
 * `CostSpanProcessor` and cost metrics, the InfluxDB store, and config loading.
 */
export * from './instrument';
export * from './influx';
export * from './store';
export { ConfigFileError, expandEnv, loadConfig, parseConfig, type ConfigFileIssue } from './config/load';
