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
const utf8Decoder = new TextDecoder();

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

/**
 * The `Span.attributes` records of many spans, packed for one copy: span `i` (document order) gets the
 * `lengths[i]` bytes of `records` that follow span `i − 1`'s (0: it gets none).
 */
export interface PackedSpanRecords {
  records: Uint8Array;
  lengths: Int32Array;
}

/** Packs per-span records (undefined: none) into {@link PackedSpanRecords}. */
export function packSpanRecords(added: readonly (Uint8Array | undefined)[]): PackedSpanRecords {
  const lengths = new Int32Array(added.length);
  for (let i = 0; i < added.length; i++) lengths[i] = added[i]?.length ?? 0;
  const records = new Uint8Array(lengths.reduce((a, b) => a + b, 0));
  let at = 0;
  for (const r of added) {
    if (r === undefined) continue;
    records.set(r, at);
    at += r.length;
  }
  return { records, lengths };
}

/** The records of each span as views into `packed.records` (undefined for a span that gets none). */
export function unpackSpanRecords(packed: PackedSpanRecords): (Uint8Array | undefined)[] {
  const { records, lengths } = packed;
  const added = new Array<Uint8Array | undefined>(lengths.length);
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    const n = lengths[i]!;
    added[i] = n === 0 ? undefined : records.subarray(at, at + n);
    at += n;
  }
  if (at !== records.length)
    throw new SpliceError(`span records: lengths add up to ${at} bytes, ${records.length} given`);
  return added;
}

/**
 * Writes the `Span.attributes` records of many spans into one growing buffer, contiguous and in span
 * order, with each span's length: the engine's per-span `cost.*` attributes without a `KeyValue` object
 * or a buffer per attribute, ready to hand over in one copy ({@link finish}). Bytes are exactly those of
 * {@link encodeSpanAttributes} for the same attributes (string, double, string-array and double-array
 * values).
 */
export class SpanAttributesWriter {
  private buf: Uint8Array;
  private pos = 0;
  private start = 0;
  private view: DataView;
  private lengths: Int32Array;
  private spans = 0;

  /**
   * `capacity`: initial buffer size in bytes (it grows as needed), or a buffer to write into (one handed
   * back after an earlier writer's records were used: new memory costs page faults on first touch);
   * `spans`: expected span count.
   */
  constructor(capacity: number | Uint8Array = 64 * 1024, spans = 512) {
    this.buf = typeof capacity === 'number' ? new Uint8Array(capacity) : capacity;
    this.view = new DataView(this.buf.buffer);
    this.lengths = new Int32Array(Math.max(16, spans));
  }

  /** Bytes written so far. */
  get size(): number {
    return this.pos;
  }

  /** Starts the records of the next span. */
  begin(): void {
    this.start = this.pos;
  }

  /** Ends the current span's records (begun by {@link begin}). */
  end(): void {
    this.push(this.pos - this.start);
  }

  /** A span that gets no records (without {@link begin}). */
  skip(): void {
    this.push(0);
  }

  /** Every span's records so far (views of the writer's buffers: valid until it is written to again). */
  finish(): PackedSpanRecords {
    return { records: this.buf.subarray(0, this.pos), lengths: this.lengths.subarray(0, this.spans) };
  }

  private push(length: number): void {
    if (this.spans === this.lengths.length) {
      const next = new Int32Array(this.lengths.length * 2);
      next.set(this.lengths);
      this.lengths = next;
    }
    this.lengths[this.spans++] = length;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n + 1024));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Appends already encoded records (e.g. from {@link stringAttributeRecord}). */
  bytes(records: Uint8Array): void {
    this.ensure(records.length);
    this.buf.set(records, this.pos);
    this.pos += records.length;
  }

  /**
   * Starts a span attribute record of `kv` bytes (key and value) with `key` written; returns where the
   * value goes. Room for the whole record is ensured.
   */
  private beginAttribute(key: Uint8Array, kv: number): number {
    this.ensure(1 + varintLength(kv) + kv);
    const buf = this.buf;
    const pos = writeVarint(buf, ((buf[this.pos] = SPAN_ATTRIBUTES_TAG), this.pos + 1), kv);
    buf.set(key, pos);
    return pos + key.length;
  }

  /** A string attribute whose value is ASCII (amounts): `key` from {@link encodedKey}. */
  ascii(key: Uint8Array, value: string): void {
    const n = value.length;
    const any = 1 + varintLength(n) + n;
    const kv = key.length + 1 + varintLength(any) + any;
    let pos = this.beginAttribute(key, kv);
    const buf = this.buf;
    buf[pos++] = (2 << 3) | 2;
    pos = writeVarint(buf, pos, any);
    buf[pos++] = (1 << 3) | 2;
    pos = writeVarint(buf, pos, n);
    for (let i = 0; i < n; i++) buf[pos++] = value.charCodeAt(i);
    this.pos = pos;
  }

  /** A double attribute: `key` from {@link encodedKey}. */
  double(key: Uint8Array, value: number): void {
    const kv = key.length + 2 + 9;
    let pos = this.beginAttribute(key, kv);
    const buf = this.buf;
    buf[pos++] = (2 << 3) | 2;
    buf[pos++] = 9;
    buf[pos++] = (4 << 3) | 1;
    this.view.setFloat64(pos, value, true);
    this.pos = pos + 8;
  }

  /** A double-array attribute of `values[from, from + n)`: `key` from {@link encodedKey}. */
  doublesOf(key: Uint8Array, values: ArrayLike<number>, from: number, n: number): void {
    const items = 11 * n;
    const any = 1 + varintLength(items) + items;
    const kv = key.length + 1 + varintLength(any) + any;
    let pos = this.beginAttribute(key, kv);
    const buf = this.buf;
    buf[pos++] = (2 << 3) | 2;
    pos = writeVarint(buf, pos, any);
    buf[pos++] = (5 << 3) | 2;
    pos = writeVarint(buf, pos, items);
    for (let i = 0; i < n; i++) {
      buf[pos++] = (1 << 3) | 2;
      buf[pos++] = 9;
      buf[pos++] = (4 << 3) | 1;
      this.view.setFloat64(pos, values[from + i]!, true);
      pos += 8;
    }
    this.pos = pos;
  }

  /** A double-array attribute: `key` from {@link encodedKey}. */
  doubles(key: Uint8Array, values: readonly number[]): void {
    this.doublesOf(key, values, 0, values.length);
  }
}

/** The encoded `KeyValue.key` field of `key`, for {@link SpanAttributesWriter}. */
export function encodedKey(key: string): Uint8Array {
  return field((1 << 3) | 2, utf8.encode(key));
}

/** One encoded `Span.attributes` record of a string or string-array attribute (cached for strings). */
export function stringAttributeRecord(key: string, value: string | readonly string[]): Uint8Array {
  return typeof value === 'string'
    ? attributeRecord({ key, value: { stringValue: value } })
    : attributeRecord({ key, value: { arrayValue: { values: value.map((v) => ({ stringValue: v })) } } });
}

/**
 * Decodes `Span.attributes` records written by {@link encodeSpanAttributes} or {@link SpanAttributesWriter}
 * back into `KeyValue`s (string, bool, double and array values), for the re-encoding fallback.
 */
export function decodeSpanAttributes(records: Uint8Array): KeyValue[] {
  const out: KeyValue[] = [];
  let pos = 0;
  while (pos < records.length) {
    const [tag, afterTag] = readVarint(records, pos);
    if (tag !== SPAN_ATTRIBUTES_TAG) throw new SpliceError(`unexpected tag ${tag} in span attribute records`);
    const [len, start] = readVarint(records, afterTag);
    out.push(decodeKeyValue(records, start, start + len));
    pos = start + len;
  }
  return out;
}

function decodeKeyValue(buf: Uint8Array, pos: number, end: number): KeyValue {
  const kv: KeyValue = { key: '' };
  while (pos < end) {
    const [tag, afterTag] = readVarint(buf, pos);
    const [len, start] = readVarint(buf, afterTag);
    if (tag === ((1 << 3) | 2)) kv.key = utf8Decoder.decode(buf.subarray(start, start + len));
    else if (tag === ((2 << 3) | 2)) kv.value = decodeAnyValue(buf, start, start + len);
    else throw new SpliceError(`unexpected KeyValue tag ${tag}`);
    pos = start + len;
  }
  return kv;
}

function decodeAnyValue(buf: Uint8Array, pos: number, end: number): AnyValue {
  const v: AnyValue = {};
  while (pos < end) {
    const [tag, afterTag] = readVarint(buf, pos);
    if (tag === ((1 << 3) | 2) || tag === ((5 << 3) | 2)) {
      const [len, start] = readVarint(buf, afterTag);
      if (tag === ((1 << 3) | 2)) v.stringValue = utf8Decoder.decode(buf.subarray(start, start + len));
      else {
        const values: AnyValue[] = [];
        let p = start;
        while (p < start + len) {
          const [t, a] = readVarint(buf, p);
          const [l, s] = readVarint(buf, a);
          if (t !== ((1 << 3) | 2)) throw new SpliceError(`unexpected ArrayValue tag ${t}`);
          values.push(decodeAnyValue(buf, s, s + l));
          p = s + l;
        }
        v.arrayValue = { values };
      }
      pos = start + len;
    } else if (tag === 2 << 3) {
      const [b, next] = readVarint(buf, afterTag);
      v.boolValue = b !== 0;
      pos = next;
    } else if (tag === ((4 << 3) | 1)) {
      v.doubleValue = new DataView(buf.buffer, buf.byteOffset + afterTag, 8).getFloat64(0, true);
      pos = afterTag + 8;
    } else {
      throw new SpliceError(`unexpected AnyValue tag ${tag}`);
    }
  }
  return v;
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

/** A cursor over a message: varints read without allocating. */
class Cursor {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  varint(): number {
    const buf = this.buf;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= buf.length) throw new SpliceError(`truncated varint at offset ${this.pos}`);
      const b = buf[this.pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw new SpliceError(`varint too long at offset ${this.pos}`);
  }

  /** Moves past a field of wire type `wire` (its tag already read). */
  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        return;
      case 2: {
        const len = this.varint();
        this.pos += len;
        return;
      }
      case 5:
        this.pos += 4;
        return;
      default:
        throw new SpliceError(`unsupported wire type ${wire} at offset ${this.pos}`);
    }
  }
}

/**
 * Pass 1: the length of message `[start, end)` at `depth` (0 TracesData, 1 ResourceSpans, 2 ScopeSpans) once
 * `added` is appended to its spans; the new lengths of the nested ResourceSpans/ScopeSpans go to `sizes` in
 * document order. Checks the shape as it goes.
 */
function measure(
  c: Cursor,
  end: number,
  depth: number,
  lengths: Int32Array,
  state: { span: number },
  sizes: number[],
): number {
  const buf = c.buf;
  // Only this field number nests further at each depth: resource_spans, scope_spans, spans.
  const nested = depth === 0 ? 1 : 2;
  let size = 0;
  while (c.pos < end) {
    const fieldStart = c.pos;
    const tag = c.varint();
    const wire = tag & 7;
    if (tag >>> 3 !== nested || wire !== 2) {
      c.skip(wire);
      if (c.pos > end) throw new SpliceError(`field at offset ${fieldStart} overruns its message`);
      size += c.pos - fieldStart;
      continue;
    }
    const tagLength = c.pos - fieldStart;
    const len = c.varint();
    const payloadEnd = c.pos + len;
    if (payloadEnd > end || payloadEnd > buf.length)
      throw new SpliceError(`field at offset ${fieldStart} overruns its message`);
    if (depth === 2) {
      // Past the records given, counted on: the caller's check names both counts.
      const n = len + (state.span < lengths.length ? lengths[state.span]! : 0);
      state.span++;
      size += tagLength + varintLength(n) + n;
      c.pos = payloadEnd;
    } else {
      const at = sizes.length;
      sizes.push(0);
      const n = measure(c, payloadEnd, depth + 1, lengths, state, sizes);
      sizes[at] = n;
      size += tagLength + varintLength(n) + n;
    }
  }
  if (c.pos !== end) throw new SpliceError(`message ends at offset ${c.pos}, expected ${end}`);
  return size;
}

/** Pass 2: writes message `[start, end)` with the spans' additions into `out` at `at`; returns the end. */
function write(
  c: Cursor,
  end: number,
  depth: number,
  added: PackedSpanRecords,
  state: { span: number; size: number; record: number },
  sizes: readonly number[],
  out: Uint8Array,
  at: number,
): number {
  const buf = c.buf;
  const nested = depth === 0 ? 1 : 2;
  let copyFrom = c.pos;
  while (c.pos < end) {
    const tag = c.varint();
    const wire = tag & 7;
    if (tag >>> 3 !== nested || wire !== 2) {
      c.skip(wire);
      continue;
    }
    const afterTag = c.pos;
    const len = c.varint();
    const payload = c.pos;
    const payloadEnd = payload + len;
    // Everything before this field, and its tag, unchanged.
    at = copy(buf, copyFrom, afterTag, out, at);
    if (depth === 2) {
      const extra = added.lengths[state.span++]!;
      at = writeVarint(out, at, len + extra);
      at = copy(buf, payload, payloadEnd, out, at);
      if (extra > 0) {
        at = copy(added.records, state.record, state.record + extra, out, at);
        state.record += extra;
      }
      c.pos = payloadEnd;
    } else {
      at = writeVarint(out, at, sizes[state.size++]!);
      at = write(c, payloadEnd, depth + 1, added, state, sizes, out, at);
    }
    copyFrom = c.pos;
  }
  return copy(buf, copyFrom, end, out, at);
}

function copy(buf: Uint8Array, from: number, to: number, out: Uint8Array, at: number): number {
  const n = to - from;
  if (n < 32) for (let i = 0; i < n; i++) out[at + i] = buf[from + i]!;
  else out.set(buf.subarray(from, to), at);
  return at + n;
}

/**
 * Returns a copy of the protobuf traces body `body` in which span `i` (document order) has `added[i]` (from
 * {@link encodeSpanAttributes}) appended to its attributes: per span, or packed ({@link PackedSpanRecords},
 * read in place). One pass measures, one writes into a single buffer (no intermediate chunks).
 *
 * @throws SpliceError when `body` is not shaped as expected or the span count does not match `added`.
 */
export function spliceSpanAttributes(
  body: Uint8Array,
  added: readonly (Uint8Array | undefined)[] | PackedSpanRecords,
): Uint8Array {
  const packed = 'lengths' in added ? added : packSpanRecords(added);
  const spans = packed.lengths.length;
  let recordBytes = 0;
  for (let i = 0; i < spans; i++) recordBytes += packed.lengths[i]!;
  if (recordBytes !== packed.records.length)
    throw new SpliceError(
      `span records: lengths add up to ${recordBytes} bytes, ${packed.records.length} given`,
    );
  // A plain view: subarrays of a Buffer are Buffers, slower to make.
  const buf = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  const sizes: number[] = [];
  const measured = { span: 0 };
  const total = measure(new Cursor(buf), buf.length, 0, packed.lengths, measured, sizes);
  if (measured.span !== spans) {
    throw new SpliceError(`body has ${measured.span} spans, ${spans} attribute sets given`);
  }
  const out = new Uint8Array(total);
  const end = write(new Cursor(buf), buf.length, 0, packed, { span: 0, size: 0, record: 0 }, sizes, out, 0);
  if (end !== total) throw new SpliceError(`spliced ${end} bytes, expected ${total}`);
  return out;
}
