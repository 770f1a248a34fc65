/**
 * Adds attributes to the spans of an OTLP protobuf `TracesData` / `ExportTraceServiceRequest` body without
 * decoding and re-encoding it: each span's new `KeyValue`s are appended as extra `attributes` (field 9)
 * records — protobuf merges repeated fields wherever they appear — and the length prefixes of the enclosing
 * messages are rewritten. Forwarding enriched spans then costs a copy of the body, not a full encode.
 *
 * Field numbers from the OTLP specification: TracesData.resource_spans = 1, ResourceSpans.scope_spans = 2,
 * ScopeSpans.spans = 2, Span.attributes = 9; KeyValue.key = 1, KeyValue.value = 2; AnyValue.string_value
 * = 1, bool_value = 2, int_value = 3, double_value = 4, array_value = 5; ArrayValue.values = 1.
 */
import type { AnyValue, KeyValue } from './model';

const SPAN_ATTRIBUTES_TAG = (9 << 3) | 2;
const utf8 = new TextEncoder();

/** Thrown when the body is not the protobuf shape expected (the caller falls back to a full encode). */
export class SpliceError extends Error {
  override readonly name = 'SpliceError';
}

// ------------------------------------------------------------------------------------------------ encode

function varintLength(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeVarint(out: Uint8Array, pos: number, v: number): number {
  while (v > 0x7f) {
    out[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[pos++] = v;
  return pos;
}

/** `tag`, the length of `body`, then `body`: a length-delimited field. */
function field(tag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + varintLength(body.length) + body.length);
  const pos = writeVarint(out, ((out[0] = tag), 1), body.length);
  out.set(body, pos);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** An encoded `AnyValue` message (its fields, without a tag or length). */
function anyValueBytes(v: AnyValue): Uint8Array {
  if (v.stringValue != null) return field((1 << 3) | 2, utf8.encode(v.stringValue));
  if (v.boolValue != null) return Uint8Array.of(2 << 3, v.boolValue ? 1 : 0);
  if (v.doubleValue != null) {
    const out = new Uint8Array(9);
    out[0] = (4 << 3) | 1;
    new DataView(out.buffer).setFloat64(1, v.doubleValue, true);
    return out;
  }
  if (v.arrayValue != null) {
    return field(
      (5 << 3) | 2,
      concat(v.arrayValue.values.map((item) => field((1 << 3) | 2, anyValueBytes(item)))),
    );
  }
  if (v.intValue != null) throw new SpliceError('int attribute values are not spliced'); // never produced by the engine
  return new Uint8Array(0);
}

/** Encoded `Span.attributes` records of string attributes, which repeat (tenants, teams, SKUs): cached. */
const stringRecords = new Map<string, Uint8Array>();
const STRING_RECORDS_LIMIT = 20_000;

function attributeRecord(kv: KeyValue): Uint8Array {
  const s = kv.value?.stringValue;
  const cacheKey = s == null ? undefined : `${kv.key}\u0000${s}`;
  if (cacheKey !== undefined) {
    const hit = stringRecords.get(cacheKey);
    if (hit !== undefined) return hit;
  }
  const parts = [field((1 << 3) | 2, utf8.encode(kv.key))];
  if (kv.value != null) parts.push(field((2 << 3) | 2, anyValueBytes(kv.value)));
  const record = field(SPAN_ATTRIBUTES_TAG, concat(parts));
  if (cacheKey !== undefined) {
    if (stringRecords.size >= STRING_RECORDS_LIMIT) stringRecords.clear();
    stringRecords.set(cacheKey, record);
  }
  return record;
}

/** Encodes `kvs` as `Span.attributes` records, ready to be appended to an encoded span. */
export function encodeSpanAttributes(kvs: readonly KeyValue[]): Uint8Array {
  return concat(kvs.map(attributeRecord));
}

// ------------------------------------------------------------------------------------------------ splice

function readVarint(buf: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new SpliceError(`truncated varint at offset ${pos}`);
    const b = buf[pos++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 128;
  }
  throw new SpliceError(`varint too long at offset ${pos}`);
}

function varintBytes(v: number): Uint8Array {
  const out: number[] = [];
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** Offset just past the field starting at `pos` with wire type `wire`. */
function skip(buf: Uint8Array, pos: number, wire: number): number {
  switch (wire) {
    case 0:
      return readVarint(buf, pos)[1];
    case 1:
      return pos + 8;
    case 2: {
      const [len, next] = readVarint(buf, pos);
      return next + len;
    }
    case 5:
      return pos + 4;
    default:
      throw new SpliceError(`unsupported wire type ${wire} at offset ${pos}`);
  }
}

interface Out {
  chunks: Uint8Array[];
  length: number;
}

/**
 * Rewrites message `buf[start, end)` at `depth` (0 TracesData, 1 ResourceSpans, 2 ScopeSpans), appending
 * `added[i]` to the i-th span in document order.
 */
function rewrite(
  buf: Uint8Array,
  start: number,
  end: number,
  depth: number,
  added: readonly (Uint8Array | undefined)[],
  state: { span: number },
  out: Out,
): void {
  let pos = start;
  let copyFrom = start;
  // Only this field number nests further at each depth: resource_spans, scope_spans, spans.
  const nested = depth === 0 ? 1 : 2;
  while (pos < end) {
    const fieldStart = pos;
    const [tag, afterTag] = readVarint(buf, pos);
    const wire = tag & 7;
    if (tag >>> 3 !== nested || wire !== 2) {
      pos = skip(buf, afterTag, wire);
      continue;
    }
    const [len, payload] = readVarint(buf, afterTag);
    const payloadEnd = payload + len;
    if (payloadEnd > end) throw new SpliceError(`field at offset ${fieldStart} overruns its message`);
    // Copy everything before this field unchanged.
    if (fieldStart > copyFrom) push(out, buf.subarray(copyFrom, fieldStart));
    push(out, buf.subarray(fieldStart, afterTag));
    if (depth === 2) {
      const extra = added[state.span++];
      push(out, varintBytes(len + (extra?.length ?? 0)));
      push(out, buf.subarray(payload, payloadEnd));
      if (extra !== undefined && extra.length > 0) push(out, extra);
    } else {
      const inner: Out = { chunks: [], length: 0 };
      rewrite(buf, payload, payloadEnd, depth + 1, added, state, inner);
      push(out, varintBytes(inner.length));
      for (const c of inner.chunks) push(out, c);
    }
    pos = payloadEnd;
    copyFrom = pos;
  }
  if (pos !== end) throw new SpliceError(`message ends at offset ${pos}, expected ${end}`);
  if (end > copyFrom) push(out, buf.subarray(copyFrom, end));
}

function push(out: Out, chunk: Uint8Array): void {
  out.chunks.push(chunk);
  out.length += chunk.length;
}

/**
 * Returns a copy of the protobuf traces body `body` in which span `i` (document order) has `added[i]` (from
 * {@link encodeSpanAttributes}) appended to its attributes.
 *
 * @throws SpliceError when `body` is not shaped as expected or the span count does not match `added`.
 */
export function spliceSpanAttributes(
  body: Uint8Array,
  added: readonly (Uint8Array | undefined)[],
): Uint8Array {
  const out: Out = { chunks: [], length: 0 };
  const state = { span: 0 };
  rewrite(body, 0, body.length, 0, added, state, out);
  if (state.span !== added.length) {
    throw new SpliceError(`body has ${state.span} spans, ${added.length} attribute sets given`);
  }
  const result = new Uint8Array(out.length);
  let at = 0;
  for (const c of out.chunks) {
    result.set(c, at);
    at += c.length;
  }
  return result;
}
