import {
  decodeMetricsJson,
  decodeMetricsProtobuf,
  decodeTracesJson,
  decodeTracesProtobuf,
} from '../otlp/decode';
import type { MetricsRequest, TracesRequest } from '../otlp/model';
import { validateMetrics, validateTraces } from '../otlp/validate';

/** A decoded, validated request: valid items kept, invalid ones counted for the partial-success answer. */
export type DecodedRequest =
  | { signal: 'traces'; request: TracesRequest; rejected: number; truncated: number; message: string }
  | { signal: 'metrics'; request: MetricsRequest; rejected: number; truncated: number; message: string };

/**
 * Decodes and validates one OTLP body. The same function runs for a live request and for its WAL replay,
 * with the same receive time, so both see exactly the same items.
 *
 * @throws OtlpDecodeError for a body that is not OTLP at all (answered 400).
 */
export function decodeRequest(
  signal: 'traces' | 'metrics',
  format: 'protobuf' | 'json',
  body: Uint8Array,
  recvTimeMs: number,
): DecodedRequest {
  if (signal === 'traces') {
    const decoded = format === 'protobuf' ? decodeTracesProtobuf(body) : decodeTracesJson(body);
    const v = validateTraces(decoded, { nowMs: recvTimeMs });
    return { signal, request: v.request, rejected: v.rejected, truncated: v.truncated, message: v.message };
  }
  const decoded = format === 'protobuf' ? decodeMetricsProtobuf(body) : decodeMetricsJson(body);
  const v = validateMetrics(decoded, { nowMs: recvTimeMs });
  return { signal, request: v.request, rejected: v.rejected, truncated: v.truncated, message: v.message };
}
