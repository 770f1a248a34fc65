/**
 * The OTLP codec of `meterline serve`: the OTLP/HTTP request model, protobuf (schema built in code from the
 * specification's field numbers) and JSON decoding and encoding, per-item validation for partial success, and
 * the export/error response bodies.
 *
 * @example
 * ```ts
 * const req = decodeTracesProtobuf(body);            // throws OtlpDecodeError → 400
 * const { request, rejected, message } = validateTraces(req, { nowMs: receivedAt });
 * reply(exportResponse('traces', 'protobuf', { rejected, errorMessage: message }));
 * ```
 */
export * from './model';
export { OtlpDecodeError } from './errors';
export { decodeMetricsJson, decodeMetricsProtobuf, decodeTracesJson, decodeTracesProtobuf } from './decode';
export {
  encodeMetricsJson,
  encodeMetricsProtobuf,
  encodeTracesJson,
  encodeTracesProtobuf,
  exportResponse,
  statusBody,
  type PartialSuccess,
} from './encode';
export {
  TRUNCATION_MARKER,
  validateMetrics,
  validateTraces,
  type ValidateOptions,
  type ValidationResult,
} from './validate';
export { isSafeInt64, Long } from './int64';
export { otlpRoot } from './schema';
