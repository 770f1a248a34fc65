import { decodeTracesProtobuf } from './decode';
import { encodeTracesJson, encodeTracesProtobuf } from './encode';
import { arrayKeyValue, doubleKeyValue, stringKeyValue, type KeyValue, type TracesRequest } from './model';
import { span, traces } from './samples.fixture';
import {
  SpanAttributesWriter,
  packSpanRecords,
  unpackSpanRecords,
  SpliceError,
  decodeSpanAttributes,
  encodeSpanAttributes,
  encodedKey,
  spliceSpanAttributes,
  stringAttributeRecord,
} from './splice';

/** Two resources, the second with two scopes, spans with events, links and status. */
function request(): TracesRequest {
  const base = traces([span(0), span(1, { status: { code: 2, message: 'boom' } })]);
  const second = traces([span(2), span(3)]).resourceSpans[0]!;
  second.scopeSpans.push({
    scope: { name: 'other', version: '2' },
    spans: [span(4)],
    schemaUrl: 'https://x/1',
  });
  return { resourceSpans: [...base.resourceSpans, second] };
}

const added: KeyValue[][] = [
  [stringKeyValue('cost.tenant', 'acme'), stringKeyValue('cost.amount', '0.000049566675')],
  [],
  [doubleKeyValue('cost.quantity', 0.25), arrayKeyValue('cost.sku', ['a', 'b'])],
  [stringKeyValue('cost.tenant', 'żółw 🐢'.repeat(40))], // a multi-byte, >127-byte value: 2-byte length varints
  [arrayKeyValue('cost.quantity', [1, 0.5])],
];

describe('spliceSpanAttributes', () => {
  it('gives the same message as adding the attributes to the model and re-encoding it', () => {
    const model = request();
    const body = encodeTracesProtobuf(model);
    const spliced = spliceSpanAttributes(
      body,
      added.map((kvs) => (kvs.length > 0 ? encodeSpanAttributes(kvs) : undefined)),
    );
    const expected = request();
    let i = 0;
    for (const rs of expected.resourceSpans)
      for (const ss of rs.scopeSpans) for (const s of ss.spans) s.attributes.push(...added[i++]!);
    expect(encodeTracesJson(decodeTracesProtobuf(spliced))).toBe(encodeTracesJson(expected));
  });

  it('reads packed records in place to the same bytes, and refuses lengths that do not add up', () => {
    const body = encodeTracesProtobuf(request());
    const perSpan = added.map((kvs) => (kvs.length > 0 ? encodeSpanAttributes(kvs) : undefined));
    const packed = packSpanRecords(perSpan);
    expect(Buffer.from(spliceSpanAttributes(body, packed))).toEqual(
      Buffer.from(spliceSpanAttributes(body, perSpan)),
    );
    const short = { records: packed.records.subarray(1), lengths: packed.lengths };
    expect(() => spliceSpanAttributes(body, short)).toThrow(/lengths add up to/);
    const fewer = packSpanRecords(perSpan.slice(0, 4));
    expect(() => spliceSpanAttributes(body, fewer)).toThrow('body has 5 spans, 4 attribute sets given');
  });

  it('leaves a body unchanged when nothing is added', () => {
    const body = encodeTracesProtobuf(request());
    expect(Buffer.from(spliceSpanAttributes(body, Array(5).fill(undefined)))).toEqual(Buffer.from(body));
  });

  it('refuses a span count that does not match, and garbage', () => {
    const body = encodeTracesProtobuf(request());
    expect(() => spliceSpanAttributes(body, [undefined])).toThrow(SpliceError);
    expect(() => spliceSpanAttributes(body.subarray(0, body.length - 3), Array(5).fill(undefined))).toThrow(
      SpliceError,
    );
    expect(() => spliceSpanAttributes(Uint8Array.from([0x0b, 0x01]), [])).toThrow(/wire type 3/);
  });

  it('SpanAttributesWriter writes the bytes encodeSpanAttributes does, and they decode back', () => {
    const kvs: KeyValue[] = [
      stringKeyValue('cost.tenant', 'tenant-ü'),
      arrayKeyValue('cost.sku', ['a', 'b']),
      doubleKeyValue('cost.quantity', 0.125),
      arrayKeyValue('cost.quantity', [1, 2.5e-9]),
      stringKeyValue('cost.amount', '0.0000004'),
      stringKeyValue('cost.empty', ''),
    ];
    const w = new SpanAttributesWriter(8, 1); // grows (bytes and span lengths) while writing
    w.begin();
    w.end();
    w.skip();
    w.begin();
    w.bytes(stringAttributeRecord('cost.tenant', 'tenant-ü'));
    w.bytes(stringAttributeRecord('cost.sku', ['a', 'b']));
    w.double(encodedKey('cost.quantity'), 0.125);
    w.doubles(encodedKey('cost.quantity'), [1, 2.5e-9]);
    w.ascii(encodedKey('cost.amount'), '0.0000004');
    w.ascii(encodedKey('cost.empty'), '');
    w.end();
    w.begin();
    w.ascii(encodedKey('cost.amount'), '1');
    w.end();
    const packed = w.finish();
    expect([...packed.lengths]).toEqual([
      0,
      0,
      encodeSpanAttributes(kvs).length,
      packed.records.length - encodeSpanAttributes(kvs).length,
    ]);
    const [none, skipped, bytes, last] = unpackSpanRecords(packed);
    expect(none).toBeUndefined();
    expect(skipped).toBeUndefined();
    expect(Buffer.from(bytes!)).toEqual(Buffer.from(encodeSpanAttributes(kvs)));
    expect(decodeSpanAttributes(bytes!)).toEqual(kvs);
    expect(decodeSpanAttributes(last!)).toEqual([stringKeyValue('cost.amount', '1')]);
  });

  it('packs and unpacks span records, and rejects lengths that do not add up', () => {
    const a = Uint8Array.from([1, 2, 3]);
    const b = Uint8Array.from([4]);
    const packed = packSpanRecords([undefined, a, undefined, b]);
    expect([...packed.lengths]).toEqual([0, 3, 0, 1]);
    expect([...packed.records]).toEqual([1, 2, 3, 4]);
    expect(unpackSpanRecords(packed).map((r) => (r === undefined ? undefined : [...r]))).toEqual([
      undefined,
      [1, 2, 3],
      undefined,
      [4],
    ]);
    expect(() => unpackSpanRecords({ records: packed.records, lengths: Int32Array.from([3]) })).toThrow(
      /lengths add up to 3 bytes, 4 given/,
    );
  });
});
