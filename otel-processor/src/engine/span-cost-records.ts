/**
 * The `cost.*` attributes the engine adds to each span of a request, in a compact form that is cheap to
 * write on the main thread and expanded into encoded `Span.attributes` records (`PackedSpanRecords`, the
 * bytes {@link SpanAttributesWriter} writes) by the forwarding thread.
 *
 * Why: writing the encoded records per span (attribution, SKU, quantity, unit, amount text, currency, price
 * version) and formatting the amount cost the main thread about a quarter of its pricing time, for work
 * that only forwarding needs. Here a span costs a handful of numbers; the byte strings that repeat (an
 * attribution's records, a price label's records) are copied once per request into a small dictionary
 * and referred to by offset, so the records are self-contained: no table to keep in step across threads.
 *
 * Layout: `ops` (doubles), span after span in document order:
 * - `flags`: 0 (nothing added: a duplicate, or a span nothing applied to), else {@link HAS_ATTRIBUTION}
 *   and/or {@link HAS_PRICE};
 * - with {@link HAS_ATTRIBUTION}: offset and length of the attribution's records in `dict`;
 * - with {@link HAS_PRICE}: offset and length of the price label entry in `dict` (four byte lengths, then the
 *   encoded SKU, unit, currency and price-version records), the quantity count (-1: one scalar quantity),
 *   the quantities, then the amount: `mantissa, scale` (scale ≥ 0: `formatScaled(mantissa, scale)`), or
 *   `offset, -1 - length` of its ASCII text in `dict`.
 *
 * @packageDocumentation
 */
import { COST_AMOUNT, COST_QUANTITY } from '../instrument/attributes';
import { formatScaled } from '../instrument/exact-amount';
import { SpanAttributesWriter, SpliceError, encodedKey, type PackedSpanRecords } from '../otlp/splice';

/** Flag: the span gets attribution records. */
export const HAS_ATTRIBUTION = 1;
/** Flag: the span gets priced records. */
export const HAS_PRICE = 2;

const KEY_QUANTITY = encodedKey(COST_QUANTITY);
const KEY_AMOUNT = encodedKey(COST_AMOUNT);
const LABEL_HEADER = 16;

/** The compact `cost.*` records of a request's spans (see the module comment for the layout). */
export interface SpanCostRecords {
  /** Spans described, in document order (duplicates included). */
  spans: number;
  ops: Float64Array;
  dict: Uint8Array;
}

/** Writer serials: an entry copied into the dictionary of writer N carries serial N. */
let nextSerial = 1;

/**
 * A byte string records refer to (an attribution's records, a price label entry): copied into a writer's
 * dictionary the first time that writer uses it, referred to by offset after that.
 */
export class RecordEntry {
  /** Serial of the writer whose dictionary holds this entry, at {@link offset}. */
  serial = 0;
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}
}

/**
 * A price label entry: the encoded records of a span's SKU(s), unit(s), currency and price version(s),
 * each from `stringAttributeRecord`.
 */
export function labelEntry(
  sku: Uint8Array,
  unit: Uint8Array,
  currency: Uint8Array,
  version: Uint8Array,
): RecordEntry {
  const bytes = new Uint8Array(LABEL_HEADER + sku.length + unit.length + currency.length + version.length);
  const view = new DataView(bytes.buffer);
  let at = LABEL_HEADER;
  [sku, unit, currency, version].forEach((part, i) => {
    view.setUint32(4 * i, part.length, true);
    bytes.set(part, at);
    at += part.length;
  });
  return new RecordEntry(bytes);
}

/**
 * Writes {@link SpanCostRecords}: per span {@link begin}, then {@link attribution} and/or {@link priced}, then
 * {@link end}; or {@link skip} for a span that gets nothing. Buffers grow as needed; buffers handed in (from
 * an earlier request, already paged in) are reused.
 */
export class SpanCostWriter {
  private ops: Float64Array;
  private dict: Uint8Array;
  private at = 0;
  private dictAt = 0;
  private flagsAt = 0;
  private spans = 0;
  private readonly serial = nextSerial++;

  constructor(ops: Float64Array | number = 8192, dict: Uint8Array | number = 4096) {
    this.ops = typeof ops === 'number' ? new Float64Array(ops) : ops;
    this.dict = typeof dict === 'number' ? new Uint8Array(dict) : dict;
  }

  /** Doubles written so far. */
  get opsSize(): number {
    return this.at;
  }

  /** Dictionary bytes written so far. */
  get dictSize(): number {
    return this.dictAt;
  }

  /** Starts the next span. */
  begin(): void {
    this.room(1);
    this.flagsAt = this.at;
    this.ops[this.at++] = 0;
    this.spans++;
  }

  /** Ends the current span (nothing to do: kept for symmetry with the byte writer). */
  end(): void {}

  /** A span that gets nothing (a duplicate). */
  skip(): void {
    this.room(1);
    this.ops[this.at++] = 0;
    this.spans++;
  }

  /** The span's attribution records. */
  attribution(entry: RecordEntry): void {
    this.room(2);
    const ops = this.ops;
    ops[this.flagsAt] = ops[this.flagsAt]! + HAS_ATTRIBUTION;
    ops[this.at++] = this.place(entry);
    ops[this.at++] = entry.bytes.length;
  }

  /**
   * The span's priced records: `label` from {@link labelEntry}, its quantity (or quantities), and its amount as
   * `mantissa × 10^-scale` (mantissa ≥ 0, a safe integer) or, when `mantissa` is negative, `text`.
   */
  priced(
    label: RecordEntry,
    quantity: number | readonly number[],
    mantissa: number,
    scale: number,
    text: string,
  ): void {
    const n = typeof quantity === 'number' ? 1 : quantity.length;
    this.room(7 + n);
    const ops = this.ops;
    ops[this.flagsAt] = ops[this.flagsAt]! + HAS_PRICE;
    let at = this.at;
    ops[at++] = this.place(label);
    ops[at++] = label.bytes.length;
    if (typeof quantity === 'number') {
      ops[at++] = -1;
      ops[at++] = quantity;
    } else {
      ops[at++] = n;
      for (let i = 0; i < n; i++) ops[at++] = quantity[i]!;
    }
    if (mantissa >= 0) {
      ops[at++] = mantissa;
      ops[at++] = scale;
    } else {
      const offset = this.dictRoom(text.length);
      const dict = this.dict;
      for (let i = 0; i < text.length; i++) dict[offset + i] = text.charCodeAt(i);
      this.dictAt += text.length;
      ops[at++] = offset;
      ops[at++] = -1 - text.length;
    }
    this.at = at;
  }

  /** The records written (views of the writer's buffers). */
  finish(): SpanCostRecords {
    return {
      spans: this.spans,
      ops: this.ops.subarray(0, this.at),
      dict: this.dict.subarray(0, this.dictAt),
    };
  }

  /** The entry's offset in this writer's dictionary (copied in on first use). */
  private place(entry: RecordEntry): number {
    if (entry.serial === this.serial) return entry.offset;
    const offset = this.dictRoom(entry.bytes.length);
    this.dict.set(entry.bytes, offset);
    this.dictAt += entry.bytes.length;
    entry.serial = this.serial;
    entry.offset = offset;
    return offset;
  }

  private room(n: number): void {
    if (this.at + n <= this.ops.length) return;
    const next = new Float64Array(Math.max(this.ops.length * 2, this.at + n + 256));
    next.set(this.ops.subarray(0, this.at));
    this.ops = next;
  }

  /** Ensures room for `n` more dictionary bytes; returns where they go. */
  private dictRoom(n: number): number {
    if (this.dictAt + n > this.dict.length) {
      const next = new Uint8Array(Math.max(this.dict.length * 2, this.dictAt + n + 1024));
      next.set(this.dict.subarray(0, this.dictAt));
      this.dict = next;
    }
    return this.dictAt;
  }
}

/**
 * The encoded `Span.attributes` records of every span: exactly the bytes the engine wrote per span before
 * the compact form existed (attribution records; then SKU, quantity, unit, amount, currency, price version).
 * `into`: a buffer to write into (reused by the forwarding thread; it grows as needed).
 * @throws SpliceError when the records are inconsistent (offsets outside the dictionary, a short `ops`).
 */
export function expandSpanCostRecords(records: SpanCostRecords, into?: Uint8Array): PackedSpanRecords {
  const { ops, dict, spans } = records;
  const out = new SpanAttributesWriter(into ?? Math.max(1024, dict.length * 8), spans);
  // Entries repeat from span to span: each is sliced (and a label split) once per request.
  const attributions = new Map<number, Uint8Array>();
  const labels = new Map<number, Label>();
  const n = ops.length;
  let at = 0;
  for (let i = 0; i < spans; i++) {
    if (at >= n)
      throw new SpliceError(`span cost records: ops end after ${n} values, at span ${i} of ${spans}`);
    const flags = ops[at++]!;
    if (flags === 0) {
      out.skip();
      continue;
    }
    out.begin();
    if ((flags & HAS_ATTRIBUTION) !== 0) {
      if (at + 2 > n) throw new SpliceError(`span cost records: ops end inside span ${i}`);
      const offset = ops[at++]!;
      let bytes = attributions.get(offset);
      if (bytes === undefined) {
        bytes = dictSlice(dict, offset, ops[at]!);
        attributions.set(offset, bytes);
      }
      at++;
      out.bytes(bytes);
    }
    if ((flags & HAS_PRICE) !== 0) {
      if (at + 3 > n) throw new SpliceError(`span cost records: ops end inside span ${i}`);
      const offset = ops[at++]!;
      let label = labels.get(offset);
      if (label === undefined) {
        label = splitLabel(dictSlice(dict, offset, ops[at]!));
        labels.set(offset, label);
      }
      at++;
      out.bytes(label.sku);
      const count = ops[at++]!;
      const q = count < 0 ? 1 : count;
      if (at + q + 2 > n) throw new SpliceError(`span cost records: ops end inside span ${i}`);
      if (count < 0) out.double(KEY_QUANTITY, ops[at]!);
      else out.doublesOf(KEY_QUANTITY, ops, at, count);
      at += q;
      out.bytes(label.unit);
      const a = ops[at++]!;
      const b = ops[at++]!;
      out.ascii(KEY_AMOUNT, b >= 0 ? formatScaled(a, b) : asciiText(dictSlice(dict, a, -1 - b)));
      out.bytes(label.currency);
      out.bytes(label.version);
    }
    out.end();
  }
  if (at !== n) throw new SpliceError(`span cost records: ${n - at} values left over`);
  return out.finish();
}

/** A price label entry split into its four records. */
interface Label {
  sku: Uint8Array;
  unit: Uint8Array;
  currency: Uint8Array;
  version: Uint8Array;
}

function dictSlice(dict: Uint8Array, offset: number, length: number): Uint8Array {
  if (!(offset >= 0 && length >= 0 && offset + length <= dict.length))
    throw new SpliceError(`span cost records: dictionary range ${offset}+${length} of ${dict.length}`);
  return dict.subarray(offset, offset + length);
}

function splitLabel(entry: Uint8Array): Label {
  if (entry.length < LABEL_HEADER) throw new SpliceError('span cost records: short price label');
  const view = new DataView(entry.buffer, entry.byteOffset, entry.byteLength);
  const parts: Uint8Array[] = [];
  let from = LABEL_HEADER;
  for (let k = 0; k < 4; k++) {
    const length = view.getUint32(4 * k, true);
    if (from + length > entry.length) throw new SpliceError('span cost records: price label overruns');
    parts.push(entry.subarray(from, from + length));
    from += length;
  }
  return { sku: parts[0]!, unit: parts[1]!, currency: parts[2]!, version: parts[3]! };
}

function asciiText(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}
