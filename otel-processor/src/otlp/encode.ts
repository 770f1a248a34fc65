/**
 * Model → OTLP bodies: protobuf for forwarding (exact, including 64-bit times), JSON for JSON clients and
 * tests, and the bodies of export responses and error responses.
 */
import type * as protobuf from 'protobufjs';
import { hexId } from './ids';
import { nanosKey } from './int64';
import { jsonType, type JsonField, type JsonType } from './json-fields';
import type { Int64Like, MetricsRequest, TracesRequest } from './model';
import { types } from './schema';

function encodeProtobuf(type: protobuf.Type, message: object): Uint8Array {
  return type.encode(message).finish();
}

/** Encodes traces as an `ExportTraceServiceRequest` protobuf body. */
export function encodeTracesProtobuf(request: TracesRequest): Uint8Array {
  return encodeProtobuf(types.tracesRequest, request);
}

/** Encodes metrics as an `ExportMetricsServiceRequest` protobuf body. */
export function encodeMetricsProtobuf(request: MetricsRequest): Uint8Array {
  return encodeProtobuf(types.metricsRequest, request);
}

// ------------------------------------------------------------------------------------------------- JSON

function scalarToJson(f: JsonField, v: unknown): unknown {
  switch (f.kind) {
    case 'message':
      return messageToJson(f.message(), v as Record<string, unknown>);
    case 'int64':
    case 'uint64':
      return nanosKey(v as Int64Like);
    case 'double':
      return Number.isFinite(v) ? v : String(v); // "NaN", "Infinity", "-Infinity"
    case 'hexId':
      return hexId(v as Uint8Array);
    case 'bytes':
      return Buffer.from(v as Uint8Array).toString('base64');
    default:
      return v;
  }
}

function isDefaultScalar(f: JsonField, v: unknown): boolean {
  switch (f.kind) {
    case 'int64':
    case 'uint64':
      return nanosKey(v as Int64Like) === '0';
    case 'hexId':
    case 'bytes':
      return (v as Uint8Array).length === 0;
    default:
      return v === 0 || v === '' || v === false;
  }
}

function messageToJson(t: JsonType, msg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of t.fields) {
    const v = msg[f.name];
    if (v === null || v === undefined) continue;
    if (f.repeated) {
      const arr = v as unknown[];
      if (arr.length > 0) out[f.name] = arr.map((e) => scalarToJson(f, e));
    } else if (f.presence || !isDefaultScalar(f, v)) {
      out[f.name] = scalarToJson(f, v);
    }
  }
  return out;
}

/**
 * Encodes traces as OTLP JSON (lowerCamelCase keys, hex ids, integer enums, 64-bit integers as decimal
 * strings, proto3 defaults omitted).
 */
export function encodeTracesJson(request: TracesRequest): string {
  return JSON.stringify(
    messageToJson(jsonType(types.tracesRequest), request as unknown as Record<string, unknown>),
  );
}

/** Encodes metrics as OTLP JSON (as {@link encodeTracesJson}). */
export function encodeMetricsJson(request: MetricsRequest): string {
  return JSON.stringify(
    messageToJson(jsonType(types.metricsRequest), request as unknown as Record<string, unknown>),
  );
}

// -------------------------------------------------------------------------------------------- responses

/** Items rejected from an otherwise accepted request. */
export interface PartialSuccess {
  /** Spans or data points rejected. */
  rejected: number;
  /** Why (human-readable; may be non-empty with `rejected` 0 for warnings). */
  errorMessage: string;
}

/**
 * The body of a successful export response: `ExportTraceServiceResponse` / `ExportMetricsServiceResponse`,
 * with `partialSuccess { rejectedSpans | rejectedDataPoints, errorMessage }` when something was rejected or
 * there is a message, else empty (full success).
 */
export function exportResponse(
  signal: 'traces' | 'metrics',
  format: 'protobuf',
  partial?: PartialSuccess,
): Buffer;
export function exportResponse(
  signal: 'traces' | 'metrics',
  format: 'json',
  partial?: PartialSuccess,
): string;
export function exportResponse(
  signal: 'traces' | 'metrics',
  format: 'protobuf' | 'json',
  partial?: PartialSuccess,
): Buffer | string;
export function exportResponse(
  signal: 'traces' | 'metrics',
  format: 'protobuf' | 'json',
  partial?: PartialSuccess,
): Buffer | string {
  const has = partial !== undefined && (partial.rejected > 0 || partial.errorMessage !== '');
  const countKey = signal === 'traces' ? 'rejectedSpans' : 'rejectedDataPoints';
  if (format === 'json') {
    if (!has) return '{}';
    // int64 as a decimal string, as the proto3 JSON mapping writes it.
    return JSON.stringify({
      partialSuccess: { [countKey]: String(partial.rejected), errorMessage: partial.errorMessage },
    });
  }
  const type = signal === 'traces' ? types.tracesResponse : types.metricsResponse;
  const message = has
    ? { partialSuccess: { [countKey]: partial.rejected, errorMessage: partial.errorMessage } }
    : {};
  return Buffer.from(type.encode(message).finish());
}

/**
 * The body of an error response (`google.rpc.Status`, as OTLP/HTTP failures carry): `code` is a gRPC status
 * code (e.g. 3 INVALID_ARGUMENT for undecodable bodies, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE).
 */
export function statusBody(format: 'protobuf', code: number, message: string): Buffer;
export function statusBody(format: 'json', code: number, message: string): string;
export function statusBody(format: 'protobuf' | 'json', code: number, message: string): Buffer | string;
export function statusBody(format: 'protobuf' | 'json', code: number, message: string): Buffer | string {
  if (format === 'json') return JSON.stringify({ code, message });
  return Buffer.from(types.rpcStatus.encode({ code, message }).finish());
}
