/**
 * A lean, single-pass reader of protobuf `ExportTraceServiceRequest` bodies for `meterline serve`: it walks
 * ResourceSpans → ScopeSpans → Span over the wire format and builds a {@link TracesRequest} holding only what
 * the cost engine and validation read — ids as views into the body, times, kind, status code, name, the
 * resource, and only the span attributes whose key is in a given set (compared as bytes, no strings made for
 * the others). Everything else (other attributes, events, links, scopes) is checked for well-formedness and
 * skipped.
 *
 * Exactness: for every body it accepts, the result equals — for those fields — what `decodeTracesProtobuf`
 * gives, and validating it gives the same rejections and messages. It gives up (returns `undefined`, the
 * caller then takes the full protobufjs path) on anything unusual: malformed data (the full decoder then
 * produces the 400 message), a known field with an unexpected wire type, groups, deep nesting, or any
 * attribute/event/link/scope/resource long enough to hold a string value that validation would truncate
 * (truncation rewrites the body, which only the full path does).
 *
 * Field numbers from the OTLP specification (see `schema.ts`).
 */
import * as protobuf from 'protobufjs';
import { Long } from './int64';
import type { KeyValue, Resource, Span, TracesRequest } from './model';
import { otlpRoot } from './schema';
import { DEFAULT_MAX_ATTRIBUTE_VALUE_LENGTH } from './validate';

const resourceType = otlpRoot.lookupType('opentelemetry.proto.resource.v1.Resource');
const keyValueType = otlpRoot.lookupType('opentelemetry.proto.common.v1.KeyValue');

/** Thrown inside the scanner when it gives up; never escapes {@link scanTracesProtobuf}. */
class GiveUp extends Error {}
const GIVE_UP = new GiveUp('lean trace scan: not handled');

/** Nested AnyValue/KeyValueList depth the scanner follows before giving up. */
const MAX_DEPTH = 32;
/** A container longer than this may hold a string validation truncates: give up. */
const MAX_CONTAINER = DEFAULT_MAX_ATTRIBUTE_VALUE_LENGTH;

/** A set of attribute keys, matched against encoded key bytes without decoding them. */
export class SpanKeySet {
  /** Candidates by UTF-8 byte length: the bytes and the key. */
  private readonly byLength: ({ bytes: Uint8Array; key: string }[] | undefined)[] = [];

  /**
   * `names`: whether anything reads span names (else the scanner leaves them empty).
   * @throws Error for keys the byte comparison could not match exactly (U+FFFD or lone surrogates: invalid
   *   UTF-8 decodes to U+FFFD, so byte equality would no longer be string equality).
   */
  constructor(
    keys: Iterable<string>,
    readonly names = true,
  ) {
    const enc = new TextEncoder();
    for (const key of keys) {
      if (/[\ufffd\ud800-\udfff]/.test(key))
        throw new Error(`attribute key ${JSON.stringify(key)} cannot be matched as bytes`);
      const bytes = enc.encode(key);
      (this.byLength[bytes.length] ??= []).push({ bytes, key });
    }
  }

  /** The key whose UTF-8 is `buf[start, end)`, or undefined. */
  match(buf: Uint8Array, start: number, end: number): string | undefined {
    const candidates = this.byLength[end - start];
    if (candidates === undefined) return undefined;
    next: for (let c = 0; c < candidates.length; c++) {
      const k = candidates[c]!.bytes;
      for (let i = 0; i < k.length; i++) if (buf[start + i] !== k[i]) continue next;
      return candidates[c]!.key;
    }
    return undefined;
  }
}

/** Node's Buffer has it (protobufjs decodes strings with it too); its types do not declare it. */
interface Utf8Sliceable {
  utf8Slice(start: number, end: number): string;
}

function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** The little-endian int32 at `pos` (bounds already checked): cheaper than `Buffer#readInt32LE`'s checks. */
function int32At(buf: Uint8Array, pos: number): number {
  return buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24);
}

class Scanner {
  pos = 0;
  /** Range of the last `KeyValue.key` seen by {@link Scanner.keyValue}. */
  keyStart = 0;
  keyEnd = 0;
  /** Start of the string payload when the last `KeyValue` took the fast path with a string value, else -1. */
  stringStart = -1;
  private reader: protobuf.Reader | undefined;
  /** The body as a plain Uint8Array: its subarrays (the ids) are cheaper to make than a Buffer's. */
  private readonly u8: Uint8Array;

  constructor(
    readonly buf: Buffer,
    private readonly keys: SpanKeySet,
  ) {
    this.u8 = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** A varint of at most 10 bytes, as its low 32 bits (unsigned). */
  varint32(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw GIVE_UP;
      const b = buf[pos++]!;
      if (shift < 32) value |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    throw GIVE_UP;
  }

  /** A length prefix; the payload must fit in `[pos, end)`. Returns the payload end. */
  length(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    let len = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      if (pos >= end) throw GIVE_UP;
      const b = buf[pos++]!;
      len += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.pos = pos;
        if (len > end - pos) throw GIVE_UP;
        return pos + len;
      }
      scale *= 128;
    }
    throw GIVE_UP;
  }

  /** A field tag (field number ≥ 1). */
  tag(end: number): number {
    const buf = this.buf;
    const b = buf[this.pos]!;
    if (b < 0x80 && this.pos < end) {
      this.pos++;
      if (b < 8) throw GIVE_UP;
      return b;
    }
    const t = this.varint32(end);
    if (t < 8) throw GIVE_UP;
    return t;
  }

  /** Skips an unknown field of wire type `wire` (no groups). */
  skip(wire: number, end: number): void {
    switch (wire) {
      case 0:
        this.varint32(end);
        return;
      case 1:
        if (end - this.pos < 8) throw GIVE_UP;
        this.pos += 8;
        return;
      case 2:
        this.pos = this.length(end);
        return;
      case 5:
        if (end - this.pos < 4) throw GIVE_UP;
        this.pos += 4;
        return;
      default:
        throw GIVE_UP;
    }
  }

  /** Checks that `[pos, end)` is a well-formed message whose fields all have these wire types. */
  private expect(wire: number, want: number): void {
    if (wire !== want) throw GIVE_UP;
  }

  /** Walks a `KeyValue` ending at `end`; leaves its key range in keyStart/keyEnd. */
  keyValue(end: number, depth: number): void {
    // Fast path, the usual shape: key, then a value holding one string, bool, int or double, short lengths.
    const buf = this.buf;
    const p = this.pos;
    if (buf[p] === 0x0a && end - p >= 4) {
      const keyLength = buf[p + 1]!;
      const keyEnd = p + 2 + keyLength;
      if (keyLength < 0x80 && keyEnd + 2 <= end && buf[keyEnd] === 0x12) {
        const valueLength = buf[keyEnd + 1]!;
        if (valueLength < 0x80 && keyEnd + 2 + valueLength === end && this.scalar(keyEnd + 2, end)) {
          this.keyStart = p + 2;
          this.keyEnd = keyEnd;
          this.stringStart = valueLength > 0 && buf[keyEnd + 2] === 0x0a ? keyEnd + 4 : -1;
          this.pos = end;
          return;
        }
      }
    }
    let keyStart = 0;
    let keyEnd = 0;
    while (this.pos < end) {
      const t = this.tag(end);
      const f = t >>> 3;
      const w = t & 7;
      if (f === 1) {
        this.expect(w, 2);
        const e = this.length(end);
        keyStart = this.pos;
        keyEnd = e;
        this.pos = e;
      } else if (f === 2) {
        this.expect(w, 2);
        const e = this.length(end);
        this.anyValue(e, depth + 1);
      } else this.skip(w, end);
    }
    if (this.pos !== end) throw GIVE_UP;
    this.keyStart = keyStart;
    this.keyEnd = keyEnd;
    this.stringStart = -1;
  }

  /** Whether `[start, end)` is an AnyValue of exactly one short string, a bool, an int or a double (or empty). */
  private scalar(start: number, end: number): boolean {
    if (start === end) return true;
    const buf = this.buf;
    switch (buf[start]) {
      case 0x0a: // string_value
        return buf[start + 1]! < 0x80 && start + 2 + buf[start + 1]! === end;
      case 0x10: // bool_value
      case 0x18: {
        // int_value
        let p = start + 1;
        for (let i = 0; i < 10 && p < end; i++) if (buf[p++]! < 0x80) return p === end;
        return false;
      }
      case 0x21: // double_value
        return start + 9 === end;
      default:
        return false;
    }
  }

  private anyValue(end: number, depth: number): void {
    if (depth > MAX_DEPTH) throw GIVE_UP;
    while (this.pos < end) {
      const t = this.tag(end);
      const w = t & 7;
      switch (t >>> 3) {
        case 1: // string_value
        case 7: // bytes_value
          this.expect(w, 2);
          this.pos = this.length(end);
          break;
        case 2: // bool_value
        case 3: // int_value
          this.expect(w, 0);
          this.varint32(end);
          break;
        case 4: // double_value
          this.expect(w, 1);
          this.skip(1, end);
          break;
        case 5: {
          // array_value: ArrayValue { repeated AnyValue values = 1 }
          this.expect(w, 2);
          const e = this.length(end);
          while (this.pos < e) {
            const t2 = this.tag(e);
            if (t2 >>> 3 === 1) {
              this.expect(t2 & 7, 2);
              this.anyValue(this.length(e), depth + 1);
            } else this.skip(t2 & 7, e);
          }
          if (this.pos !== e) throw GIVE_UP;
          break;
        }
        case 6: {
          // kvlist_value: KeyValueList { repeated KeyValue values = 1 }
          this.expect(w, 2);
          this.keyValues(this.length(end), 1, depth + 1);
          break;
        }
        default:
          this.skip(w, end);
      }
    }
    if (this.pos !== end) throw GIVE_UP;
  }

  /** A message ending at `end` whose field `field` is a repeated KeyValue (other fields skipped, typed). */
  private keyValues(end: number, field: number, depth: number): void {
    while (this.pos < end) {
      const t = this.tag(end);
      if (t >>> 3 === field) {
        this.expect(t & 7, 2);
        this.keyValue(this.length(end), depth);
      } else this.skip(t & 7, end);
    }
    if (this.pos !== end) throw GIVE_UP;
  }

  /**
   * A message ending at `end`: `kv` is its repeated-KeyValue field, `types[f]` the wire type of its other
   * known fields (all scalars or strings/bytes).
   */
  private message(end: number, kv: number, types: readonly number[]): void {
    if (end - this.pos > MAX_CONTAINER) throw GIVE_UP;
    while (this.pos < end) {
      const t = this.tag(end);
      const f = t >>> 3;
      const w = t & 7;
      if (f === kv) {
        this.expect(w, 2);
        this.keyValue(this.length(end), 0);
      } else {
        const want = types[f];
        if (want !== undefined && want !== w) throw GIVE_UP;
        this.skip(w, end);
      }
    }
    if (this.pos !== end) throw GIVE_UP;
  }

  /** `Resource`: attributes 1, dropped_attributes_count 2, entity_refs 3 (EntityRef: 4 string fields). */
  private resourceMessage(end: number): void {
    if (end - this.pos > MAX_CONTAINER) throw GIVE_UP;
    while (this.pos < end) {
      const t = this.tag(end);
      const f = t >>> 3;
      const w = t & 7;
      if (f === 1) {
        this.expect(w, 2);
        this.keyValue(this.length(end), 0);
      } else if (f === 2) {
        this.expect(w, 0);
        this.varint32(end);
      } else if (f === 3) {
        this.expect(w, 2);
        this.message(this.length(end), 0, ENTITY_REF_TYPES);
      } else this.skip(w, end);
    }
    if (this.pos !== end) throw GIVE_UP;
  }

  private protobufReader(): protobuf.Reader {
    return (this.reader ??= protobuf.Reader.create(this.buf));
  }

  /** Decodes `[start, end)` as a message of `type` with protobufjs (the bytes were checked well-formed). */
  private decodeWith<T>(type: protobuf.Type, start: number, end: number): T {
    const reader = this.protobufReader();
    reader.pos = start;
    return type.decode(reader, end - start) as unknown as T;
  }

  request(): TracesRequest {
    const end = this.buf.length;
    const resourceSpans: TracesRequest['resourceSpans'] = [];
    while (this.pos < end) {
      const t = this.tag(end);
      if (t >>> 3 === 1) {
        this.expect(t & 7, 2);
        resourceSpans.push(this.resourceSpans(this.length(end)));
      } else this.skip(t & 7, end);
    }
    return { resourceSpans };
  }

  private resourceSpans(end: number): TracesRequest['resourceSpans'][number] {
    let resStart = -1;
    let resEnd = -1;
    const scopeSpans: TracesRequest['resourceSpans'][number]['scopeSpans'] = [];
    while (this.pos < end) {
      const t = this.tag(end);
      const f = t >>> 3;
      const w = t & 7;
      if (f === 1) {
        this.expect(w, 2);
        const e = this.length(end);
        resStart = this.pos;
        resEnd = e;
        this.resourceMessage(e);
      } else if (f === 2) {
        this.expect(w, 2);
        scopeSpans.push({ spans: this.scopeSpans(this.length(end)) });
      } else if (f === 3) {
        this.expect(w, 2);
        this.pos = this.length(end);
      } else this.skip(w, end);
    }
    if (this.pos !== end) throw GIVE_UP;
    const resource = resStart < 0 ? undefined : this.decodeWith<Resource>(resourceType, resStart, resEnd);
    return { resource, scopeSpans };
  }

  private scopeSpans(end: number): Span[] {
    const spans: Span[] = [];
    while (this.pos < end) {
      const t = this.tag(end);
      const f = t >>> 3;
      const w = t & 7;
      if (f === 1) {
        this.expect(w, 2);
        this.message(this.length(end), 3, SCOPE_TYPES);
      } else if (f === 2) {
        this.expect(w, 2);
        spans.push(this.span(this.length(end)));
      } else if (f === 3) {
        this.expect(w, 2);
        this.pos = this.length(end);
      } else this.skip(w, end);
    }
    if (this.pos !== end) throw GIVE_UP;
    return spans;
  }

  private span(end: number): Span {
    const buf = this.buf;
    const u8 = this.u8;
    let traceId: Uint8Array = EMPTY;
    let spanId: Uint8Array = EMPTY;
    let parentSpanId: Uint8Array = EMPTY;
    let nameStart = 0;
    let nameEnd = 0;
    let kind = 0;
    let startLo = 0;
    let startHi = 0;
    let endLo = 0;
    let endHi = 0;
    let code = -1;
    const attributes: KeyValue[] = [];
    while (this.pos < end) {
      const t = this.tag(end);
      const w = t & 7;
      switch (t >>> 3) {
        case 1: {
          this.expect(w, 2);
          const e = this.length(end);
          traceId = u8.subarray(this.pos, e);
          this.pos = e;
          break;
        }
        case 2: {
          this.expect(w, 2);
          const e = this.length(end);
          spanId = u8.subarray(this.pos, e);
          this.pos = e;
          break;
        }
        case 4: {
          this.expect(w, 2);
          const e = this.length(end);
          parentSpanId = u8.subarray(this.pos, e);
          this.pos = e;
          break;
        }
        case 3: // trace_state
          this.expect(w, 2);
          this.pos = this.length(end);
          break;
        case 5: {
          this.expect(w, 2);
          const e = this.length(end);
          nameStart = this.pos;
          nameEnd = e;
          this.pos = e;
          break;
        }
        case 6:
          this.expect(w, 0);
          kind = this.varint32(end) | 0;
          break;
        case 7:
          this.expect(w, 1);
          if (end - this.pos < 8) throw GIVE_UP;
          startLo = int32At(buf, this.pos);
          startHi = int32At(buf, this.pos + 4);
          this.pos += 8;
          break;
        case 8:
          this.expect(w, 1);
          if (end - this.pos < 8) throw GIVE_UP;
          endLo = int32At(buf, this.pos);
          endHi = int32At(buf, this.pos + 4);
          this.pos += 8;
          break;
        case 9: {
          this.expect(w, 2);
          const e = this.length(end);
          if (e - this.pos > MAX_CONTAINER) throw GIVE_UP;
          const start = this.pos;
          this.keyValue(e, 0);
          const key = this.keys.match(buf, this.keyStart, this.keyEnd);
          if (key !== undefined) {
            // A string value (the usual): built here, as protobufjs would read it; others: protobufjs.
            if (this.stringStart >= 0)
              attributes.push({
                key,
                value: { stringValue: (buf as unknown as Utf8Sliceable).utf8Slice(this.stringStart, e) },
              });
            else attributes.push(this.decodeWith<KeyValue>(keyValueType, start, e));
          }
          break;
        }
        case 10: // dropped_attributes_count
        case 12: // dropped_events_count
        case 14: // dropped_links_count
          this.expect(w, 0);
          this.varint32(end);
          break;
        case 11: // events
          this.expect(w, 2);
          this.message(this.length(end), 3, EVENT_TYPES);
          break;
        case 13: // links
          this.expect(w, 2);
          this.message(this.length(end), 4, LINK_TYPES);
          break;
        case 15: {
          // status: message 2, code 3 (a repeated message field replaces the earlier one, as protobufjs does)
          this.expect(w, 2);
          const e = this.length(end);
          code = 0;
          while (this.pos < e) {
            const t2 = this.tag(e);
            const f2 = t2 >>> 3;
            if (f2 === 3) {
              this.expect(t2 & 7, 0);
              code = this.varint32(e) | 0;
            } else {
              if (f2 === 2) this.expect(t2 & 7, 2);
              this.skip(t2 & 7, e);
            }
          }
          if (this.pos !== e) throw GIVE_UP;
          break;
        }
        case 16: // flags
          this.expect(w, 5);
          this.skip(5, end);
          break;
        default:
          this.skip(w, end);
      }
    }
    if (this.pos !== end) throw GIVE_UP;
    return {
      traceId,
      spanId,
      parentSpanId,
      name:
        nameEnd > nameStart && this.keys.names
          ? (buf as unknown as Utf8Sliceable).utf8Slice(nameStart, nameEnd)
          : '',
      kind,
      startTimeUnixNano: new Long(startLo, startHi, true),
      endTimeUnixNano: new Long(endLo, endHi, true),
      attributes,
      status: code < 0 ? undefined : { code },
    };
  }
}

const EMPTY: Uint8Array = new Uint8Array(0);
/** Wire types of the non-KeyValue fields, by field number (-1: the KeyValue field, handled first). */
const SCOPE_TYPES: readonly number[] = [-1, 2, 2, -1, 0];
const EVENT_TYPES: readonly number[] = [-1, 1, 2, -1, 0];
const LINK_TYPES: readonly number[] = [-1, 2, 2, 2, -1, 0, 5];
const ENTITY_REF_TYPES: readonly number[] = [-1, 2, 2, 2, 2];

/**
 * Reads a protobuf traces body into a lean {@link TracesRequest} (see the module comment), or `undefined`
 * when the body needs the full decoder. A pure function of `body` and `keys`.
 *
 * The spans hold: `traceId`, `spanId`, `parentSpanId` (views into `body`), `name` (`''` unless
 * `keys.names`), `kind`, both times,
 * `status` (only `code`), and those `attributes` whose key is in `keys`, in document order. Resources are
 * decoded in full; scopes, events, links and other attributes are left out.
 */
export function scanTracesProtobuf(body: Uint8Array, keys: SpanKeySet): TracesRequest | undefined {
  const scanner = new Scanner(asBuffer(body), keys);
  try {
    return scanner.request();
  } catch (err) {
    if (err === GIVE_UP) return undefined;
    // protobufjs on bytes this scanner found well-formed should never throw; if it does, the full path decides.
    if (err instanceof Error) return undefined;
    throw err;
  }
}
