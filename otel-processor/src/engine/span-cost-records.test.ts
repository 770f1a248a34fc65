import { stringKeyValue } from '../otlp/attributes';
import {
  SpanAttributesWriter,
  SpliceError,
  decodeSpanAttributes,
  encodeSpanAttributes,
  encodedKey,
  stringAttributeRecord,
} from '../otlp/splice';
import {
  RecordEntry,
  SpanCostWriter,
  expandSpanCostRecords,
  labelEntry,
  type SpanCostRecords,
} from './span-cost-records';

const attribution = (tenant: string): RecordEntry =>
  new RecordEntry(
    encodeSpanAttributes([stringKeyValue('cost.tenant', tenant), stringKeyValue('cost.team', 'payments')]),
  );

const label = (sku: string | string[], unit: string | string[], version: string | string[]): RecordEntry =>
  labelEntry(
    stringAttributeRecord('cost.sku', sku),
    stringAttributeRecord('cost.unit', unit),
    stringAttributeRecord('cost.currency', 'USD'),
    stringAttributeRecord('cost.price_version', version),
  );

/** One span's expected attributes, written the way the engine wrote them before the compact form. */
interface Expected {
  attribution?: string;
  price?: { sku: string | string[]; unit: string | string[]; version: string | string[] };
  quantity?: number | number[];
  amount?: string;
}

function reference(spans: readonly (Expected | undefined)[]): { records: string; lengths: number[] } {
  const w = new SpanAttributesWriter(16, 1);
  for (const s of spans) {
    if (s === undefined) {
      w.skip();
      continue;
    }
    w.begin();
    if (s.attribution !== undefined) w.bytes(attribution(s.attribution).bytes);
    if (s.price !== undefined) {
      w.bytes(stringAttributeRecord('cost.sku', s.price.sku));
      if (typeof s.quantity === 'number') w.double(encodedKey('cost.quantity'), s.quantity);
      else w.doubles(encodedKey('cost.quantity'), s.quantity!);
      w.bytes(stringAttributeRecord('cost.unit', s.price.unit));
      w.ascii(encodedKey('cost.amount'), s.amount!);
      w.bytes(stringAttributeRecord('cost.currency', 'USD'));
      w.bytes(stringAttributeRecord('cost.price_version', s.price.version));
    }
    w.end();
  }
  const packed = w.finish();
  return { records: Buffer.from(packed.records).toString('hex'), lengths: [...packed.lengths] };
}

function expanded(r: SpanCostRecords): { records: string; lengths: number[] } {
  const packed = expandSpanCostRecords(r);
  return { records: Buffer.from(packed.records).toString('hex'), lengths: [...packed.lengths] };
}

describe('span cost records', () => {
  it('expand to exactly the bytes the per-span writer gives, for every kind of span', () => {
    const acme = attribution('acme');
    const globex = attribution('globex');
    const requests = label('api.requests', 'request', 'req-2024');
    const pair = label(['api.requests', 'compute.gb_s'], ['request', 'GB-s'], ['req-2024', 'gbs']);
    // Tiny buffers: both grow while writing.
    const w = new SpanCostWriter(2, 2);
    w.begin(); // attribution and one usage, amount as mantissa and scale
    w.attribution(acme);
    w.priced(requests, 1, 4, 7, '');
    w.end();
    w.skip(); // a duplicate
    w.begin(); // attribution only (nothing priced)
    w.attribution(globex);
    w.end();
    w.begin(); // two usages
    w.attribution(acme);
    w.priced(pair, [1, 0.75], 12900025, 12, '');
    w.end();
    w.begin(); // priced upstream attribution kept: price only, amount as text (no safe mantissa)
    w.priced(requests, 1e22, -1, 0, '4000000000000000');
    w.end();
    w.begin(); // nothing at all
    w.end();
    const r = w.finish();
    expect(r.spans).toBe(6);
    expect(expanded(r)).toEqual(
      reference([
        {
          attribution: 'acme',
          price: { sku: 'api.requests', unit: 'request', version: 'req-2024' },
          quantity: 1,
          amount: '0.0000004',
        },
        undefined,
        { attribution: 'globex' },
        {
          attribution: 'acme',
          price: {
            sku: ['api.requests', 'compute.gb_s'],
            unit: ['request', 'GB-s'],
            version: ['req-2024', 'gbs'],
          },
          quantity: [1, 0.75],
          amount: '0.000012900025',
        },
        {
          price: { sku: 'api.requests', unit: 'request', version: 'req-2024' },
          quantity: 1e22,
          amount: '4000000000000000',
        },
        undefined,
      ]),
    );
    // And they decode to the attributes meant.
    const packed = expandSpanCostRecords(r);
    const first = decodeSpanAttributes(packed.records.subarray(0, packed.lengths[0]));
    expect(
      Object.fromEntries(first.map((kv) => [kv.key, kv.value?.stringValue ?? kv.value?.doubleValue])),
    ).toEqual({
      'cost.tenant': 'acme',
      'cost.team': 'payments',
      'cost.sku': 'api.requests',
      'cost.quantity': 1,
      'cost.unit': 'request',
      'cost.amount': '0.0000004',
      'cost.currency': 'USD',
      'cost.price_version': 'req-2024',
    });
  });

  it('copies a repeated entry into a request’s dictionary once, and again into the next request’s', () => {
    const acme = attribution('acme');
    const requests = label('api.requests', 'request', 'req-2024');
    const write = (spans: number): SpanCostRecords => {
      const w = new SpanCostWriter();
      for (let i = 0; i < spans; i++) {
        w.begin();
        w.attribution(acme);
        w.priced(requests, 1, 4, 7, '');
        w.end();
      }
      return w.finish();
    };
    const one = write(500);
    expect(one.dict.length).toBe(acme.bytes.length + requests.bytes.length);
    // The next writer does not refer to the first one's dictionary: it gets its own copy.
    const two = write(3);
    expect(two.dict.length).toBe(one.dict.length);
    const expected = reference(
      Array.from({ length: 3 }, () => ({
        attribution: 'acme',
        price: { sku: 'api.requests', unit: 'request', version: 'req-2024' },
        quantity: 1,
        amount: '0.0000004',
      })),
    );
    expect(expanded(two)).toEqual(expected);
  });

  it('refuses inconsistent records with a SpliceError instead of reading past them', () => {
    const w = new SpanCostWriter();
    w.begin();
    w.attribution(attribution('acme'));
    w.end();
    const r = w.finish();
    expect(() => expandSpanCostRecords({ ...r, spans: 2 })).toThrow(SpliceError);
    expect(() => expandSpanCostRecords({ ...r, dict: r.dict.subarray(0, 3) })).toThrow(/dictionary range/);
    expect(() => expandSpanCostRecords({ ...r, spans: 0 })).toThrow(/left over/);
  });
});
