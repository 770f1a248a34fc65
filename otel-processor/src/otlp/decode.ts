/**
 * OTLP request bodies → model. Protobuf goes through the reflection-generated protobufjs decoders of
 * `schema.ts`; JSON follows the OTLP JSON mapping (see {@link decodeTracesJson}).
 */
import * as protobuf from 'protobufjs';
import { OtlpDecodeError } from './errors';
import { idFromHex } from './ids';
import { toInt64, toNanos } from './int64';
import { jsonType, type JsonField, type JsonType } from './json-fields';
import type { MetricsRequest, TracesRequest } from './model';
import { types } from './schema';

function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function decodeProtobuf(type: protobuf.Type, body: Uint8Array): unknown {
  // A Buffer makes protobufjs use its BufferReader (native utf8Slice for strings). Decoded `bytes` fields are
  // views into the body, not copies.
  const buf = asBuffer(body);
  const reader = protobuf.Reader.create(buf);
  try {
    return type.decode(reader);
  } catch (err) {
    // protobufjs says e.g. "index out of range: 120 + 10 > 125" or "invalid wire type 7 at offset 3"; deeply
    // nested values overflow the stack (RangeError) and are undecodable too.
    const what = err instanceof Error ? err.message : String(err);
    throw new OtlpDecodeError(
      `invalid protobuf ${type.name}: ${what} (at offset ${reader.pos} of ${buf.length} bytes)`,
      'protobuf',
    );
  }
}

/**
 * Decodes an `application/x-protobuf` `ExportTraceServiceRequest`. Unknown fields are skipped; strings with
 * invalid UTF-8 decode with U+FFFD replacements.
 * @throws OtlpDecodeError when the body is not a valid protobuf message.
 */
export function decodeTracesProtobuf(body: Uint8Array): TracesRequest {
  return decodeProtobuf(types.tracesRequest, body) as TracesRequest;
}

/**
 * Decodes an `application/x-protobuf` `ExportMetricsServiceRequest`.
 * @throws OtlpDecodeError when the body is not a valid protobuf message.
 */
export function decodeMetricsProtobuf(body: Uint8Array): MetricsRequest {
  return decodeProtobuf(types.metricsRequest, body) as MetricsRequest;
}

// ------------------------------------------------------------------------------------------------- JSON

/** A JSON value that does not fit its field; `path` is filled in while unwinding. */
class JsonFieldError extends Error {
  readonly path: string[] = [];
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;
const INTEGER = /^-?\d+$/;

function decodeScalar(f: JsonField, v: unknown): unknown {
  switch (f.kind) {
    case 'string':
      if (typeof v === 'string') return v;
      break;
    case 'bool':
      if (typeof v === 'boolean') return v;
      break;
    case 'double':
      if (typeof v === 'number') return v;
      if (typeof v === 'string') {
        // proto3 JSON writes non-finite doubles as strings, and allows numbers as strings.
        if (v === 'NaN') return NaN;
        if (v === 'Infinity') return Infinity;
        if (v === '-Infinity') return -Infinity;
        const n = Number(v);
        if (v.trim() !== '' && !Number.isNaN(n)) return n;
      }
      break;
    case 'int32':
    case 'uint32': {
      const n = typeof v === 'string' && INTEGER.test(v) ? Number(v) : v;
      if (typeof n === 'number' && Number.isInteger(n)) {
        if (f.kind === 'uint32' ? n >= 0 && n <= 0xffffffff : n >= -0x80000000 && n <= 0x7fffffff) return n;
        throw new JsonFieldError(`${n} is out of range for ${f.kind}`);
      }
      break;
    }
    case 'enum': {
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string') {
        const byName = f.enumValues?.[v];
        if (byName !== undefined) return byName;
        if (INTEGER.test(v)) return Number(v);
        throw new JsonFieldError(`unknown enum value ${describe(v)}`);
      }
      break;
    }
    case 'int64':
    case 'uint64':
      if (typeof v === 'string' || typeof v === 'number') {
        try {
          return f.kind === 'uint64' ? toNanos(v) : toInt64(v);
        } catch (err) {
          throw new JsonFieldError(
            `expected a ${f.kind} as a decimal string or integer: ${(err as Error).message}`,
          );
        }
      }
      break;
    case 'hexId':
      if (typeof v === 'string') {
        const bytes = idFromHex(v);
        // Hex of the wrong length still decodes (validation rejects that span alone); only non-hex is undecodable.
        if (bytes !== undefined) return bytes;
        throw new JsonFieldError(`expected ${f.idBytes * 2} hex characters, got ${describe(v)}`);
      }
      break;
    case 'bytes':
      if (typeof v === 'string' && BASE64.test(v)) return Buffer.from(v, 'base64');
      if (typeof v === 'string') throw new JsonFieldError(`expected base64, got ${describe(v)}`);
      break;
    case 'message':
      return decodeMessage(f.message(), v);
  }
  throw new JsonFieldError(`expected a ${f.kind}, got ${describe(v)}`);
}

function isDefault(v: unknown): boolean {
  if (v === '' || v === 0 || v === false) return true;
  if (v instanceof Uint8Array) return v.length === 0;
  if (typeof v === 'object' && v !== null && 'low' in v) {
    const l = v as { low: number; high: number };
    return l.low === 0 && l.high === 0;
  }
  return false;
}

function decodeMessage(t: JsonType, json: unknown): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new JsonFieldError(`expected an object, got ${describe(json)}`);
  const msg = t.create();
  const obj = json as Record<string, unknown>;
  let key = '';
  let index = -1;
  try {
    for (key in obj) {
      const f = t.byKey.get(key);
      const v = obj[key];
      // Unknown fields are ignored; null means absent.
      if (f === undefined || v === null || v === undefined) continue;
      if (f.repeated) {
        if (!Array.isArray(v)) throw new JsonFieldError(`expected an array, got ${describe(v)}`);
        const out = msg[f.name] as unknown[];
        for (index = 0; index < v.length; index++) out.push(decodeScalar(f, v[index]));
        index = -1;
      } else {
        const d = decodeScalar(f, v);
        // Proto3 defaults are left to the prototype, as the protobuf decoder does for absent fields.
        if (f.presence || !isDefault(d)) msg[f.name] = d;
      }
    }
  } catch (err) {
    if (err instanceof JsonFieldError) err.path.unshift(index >= 0 ? `${key}[${index}]` : key);
    throw err;
  }
  return msg;
}

function decodeJson(type: protobuf.Type, body: string | Uint8Array): unknown {
  let text = typeof body === 'string' ? body : asBuffer(body).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // V8's messages name the position, e.g. "Unexpected token } in JSON at position 17".
    throw new OtlpDecodeError(`invalid JSON: ${(err as Error).message}`, 'json');
  }
  try {
    return decodeMessage(jsonType(type), parsed);
  } catch (err) {
    if (err instanceof JsonFieldError) {
      const path = err.path.join('.').replace(/\.\[/g, '[');
      throw new OtlpDecodeError(
        `invalid OTLP JSON ${type.name}: ${path || '(root)'}: ${err.message}`,
        'json',
      );
    }
    if (err instanceof RangeError)
      throw new OtlpDecodeError(`invalid OTLP JSON ${type.name}: ${err.message}`, 'json');
    throw err;
  }
}

/**
 * Decodes an `application/json` `ExportTraceServiceRequest` per the OTLP JSON mapping: lowerCamelCase keys
 * (snake_case accepted too), trace/span ids as hex, enums as integers (names accepted), 64-bit integers as
 * decimal strings or numbers, `bytesValue` as base64, non-finite doubles as `"NaN"`/`"Infinity"`, unknown
 * fields ignored. A UTF-8 byte-order mark is skipped.
 * @throws OtlpDecodeError naming the path of the offending value, e.g.
 *   `resourceSpans[0].scopeSpans[1].spans[3].traceId: expected 32 hex characters, got "xyz"`.
 */
export function decodeTracesJson(body: string | Uint8Array): TracesRequest {
  return decodeJson(types.tracesRequest, body) as TracesRequest;
}

/**
 * Decodes an `application/json` `ExportMetricsServiceRequest` (mapping as for {@link decodeTracesJson}).
 * @throws OtlpDecodeError naming the path of the offending value.
 */
export function decodeMetricsJson(body: string | Uint8Array): MetricsRequest {
  return decodeJson(types.metricsRequest, body) as MetricsRequest;
}
