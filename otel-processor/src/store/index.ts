/** Priced telemetry to InfluxDB, in-process: span rollups written as `cost` points. */
export {
  InfluxCostExporter,
  type InfluxCostExporterOptions,
  type InfluxCostExporterStats,
} from './influx-cost-exporter';
export { pricedUsagesOfSpan, type PricedSpanUsage } from './priced-span';
