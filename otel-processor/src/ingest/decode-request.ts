import {
  decodeMetricsJson,
  decodeMetricsProtobuf,
  decodeTracesJson,
  decodeTracesProtobuf,
} from '../otlp/decode';
import type { MetricsRequest, TracesRequest } from '../otlp/model';
import { scanTracesProtobuf, type SpanKeySet } from '../otlp/scan-traces';
import { validateMetrics, validateTraces } from '../otlp/validate';

/** A decoded, validated request: valid items kept, invalid ones counted for the partial-success answer. */
export type DecodedRequest =
  | {
      signal: 'traces';
      request: TracesRequest;
      rejected: number;
      truncated: number;
      message: string;
      /**
       * The request came from the lean scanner (`otlp/scan-traces.ts`): it holds only what the cost engine
       * reads (not forwardable as is: decode the body in full for that).
       */
      lean?: boolean;
    }
  | { signal: 'metrics'; request: MetricsRequest; rejected: number; truncated: number; message: string };

/** Options of {@link decodeRequest}. */
export interface DecodeRequestOptions {
  /**
   * Read protobuf traces with the lean scanner, keeping only these span attributes (the keys the engine
   * reads); bodies the scanner does not handle take the full path. Absent: always the full path.
   */
  leanSpanKeys?: SpanKeySet;
}

/**
 * Decodes and validates one OTLP body. The same function runs for a live request and for its WAL replay,
 * with the same receive time and options, so both see exactly the same items (which path a body takes is a
 * pure function of the body and the options).
 *
 * @throws OtlpDecodeError for a body that is not OTLP at all (answered 400).
 */
export function decodeRequest(
  signal: 'traces' | 'metrics',
  format: 'protobuf' | 'json',
  body: Uint8Array,
  recvTimeMs: number,
  options: DecodeRequestOptions = {},
): DecodedRequest {
  if (signal === 'traces') {
    if (format === 'protobuf' && options.leanSpanKeys !== undefined) {
      const scanned = scanTracesProtobuf(body, options.leanSpanKeys);
      if (scanned !== undefined) {
        const v = validateTraces(scanned, { nowMs: recvTimeMs });
        return {
          signal,
          request: v.request,
          rejected: v.rejected,
          truncated: v.truncated,
          message: v.message,
          lean: true,
        };
      }
    }
    const decoded = format === 'protobuf' ? decodeTracesProtobuf(body) : decodeTracesJson(body);
    const v = validateTraces(decoded, { nowMs: recvTimeMs });
    return { signal, request: v.request, rejected: v.rejected, truncated: v.truncated, message: v.message };
  }
  const decoded = format === 'protobuf' ? decodeMetricsProtobuf(body) : decodeMetricsJson(body);
  const v = validateMetrics(decoded, { nowMs: recvTimeMs });
  return { signal, request: v.request, rejected: v.rejected, truncated: v.truncated, message: v.message };
}
