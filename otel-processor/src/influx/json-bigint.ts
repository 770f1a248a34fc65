/**
 * The int64-exact JSON parser lives in the cost model (the Grafana data source reads the same InfluxDB
 * answers in the browser); re-exported here for the store.
 *
 * @packageDocumentation
 */
export { parseJsonBigInt, type JsonValue } from '@meterline/cost-model';
