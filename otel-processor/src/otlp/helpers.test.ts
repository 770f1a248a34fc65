import {
  anyValueToPrimitive,
  hexId,
  idFromHex,
  int64ToNumber,
  isZeroNanos,
  msToNanos,
  nanosKey,
  nanosToBigInt,
  nanosToMs,
  toAttributes,
  toInt64,
  toNanos,
  upsertAttributes,
  stringKeyValue,
  doubleKeyValue,
  arrayKeyValue,
  metricDataKind,
  numberValue,
} from './model';

describe('64-bit helpers', () => {
  it('keep nanosecond times exact and convert them', () => {
    const t = toNanos('1717243200123456789');
    expect(nanosKey(t)).toBe('1717243200123456789');
    expect(nanosToBigInt(t)).toBe(1717243200123456789n);
    expect(nanosToMs(t)).toBeCloseTo(1717243200123.4568, 3);
    expect(nanosKey(toNanos(BigInt('18446744073709551615')))).toBe('18446744073709551615');
    expect(nanosKey(msToNanos(1717243200123.5))).toBe('1717243200123500000');
    expect(isZeroNanos(toNanos(0))).toBe(true);
    expect(isZeroNanos(t)).toBe(false);
    expect(nanosToMs(BigInt('1717243200123456789'))).toBeCloseTo(1717243200123.4568, 3);
  });

  it('signed values and their number conversion', () => {
    expect(nanosKey(toInt64(-5))).toBe('-5');
    expect(int64ToNumber(toInt64('-9007199254740991'))).toBe(-9007199254740991);
    expect(int64ToNumber(toNanos('4294967296'))).toBe(4294967296);
    expect(nanosKey(toInt64('-9223372036854775808'))).toBe('-9223372036854775808');
  });

  it('refuse out-of-range and non-integer input, naming it', () => {
    expect(() => toNanos(-1)).toThrow(/out of range for uint64/);
    expect(() => toInt64('9223372036854775808')).toThrow(/out of range for int64/);
    expect(() => toNanos('1e3')).toThrow(/not a decimal integer/);
    expect(() => toNanos(1.5)).toThrow(/not an integer/);
  });
});

describe('ids', () => {
  it('hex round trip, either case; non-hex is undefined', () => {
    expect(hexId(idFromHex('0AF7651916cd43dd8448eb211c80319c')!)).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(idFromHex('xyz0')).toBeUndefined();
    expect(idFromHex('abc')).toBeUndefined();
    expect(hexId(new Uint8Array(0))).toBe('');
  });
});

describe('attributes', () => {
  it('toAttributes maps every AnyValue kind', () => {
    expect(
      toAttributes([
        stringKeyValue('s', 'x'),
        { key: 'i', value: { intValue: toInt64(42) } },
        { key: 'big', value: { intValue: toInt64('9007199254740993') } },
        doubleKeyValue('d', 0.5),
        { key: 'b', value: { boolValue: false } },
        arrayKeyValue('a', ['x', 'y']),
        { key: 'mixed', value: { arrayValue: { values: [{ stringValue: 'x' }, { boolValue: true }, {}] } } },
        { key: 'bytes', value: { bytesValue: new Uint8Array([1, 2, 255]) } },
        { key: 'kv', value: { kvlistValue: { values: [stringKeyValue('k', 'v')] } } },
        { key: 'none' },
      ]),
    ).toEqual({
      s: 'x',
      i: 42,
      big: '9007199254740993',
      d: 0.5,
      b: false,
      a: ['x', 'y'],
      mixed: ['x', 'true', null],
      bytes: 'AQL/',
      kv: '{"k":"v"}',
    });
    expect(anyValueToPrimitive({})).toBeUndefined();
  });

  it('upsertAttributes replaces existing keys and appends new ones', () => {
    const attrs = [stringKeyValue('cost.team', 'old'), stringKeyValue('x', '1')];
    upsertAttributes(attrs, [stringKeyValue('cost.team', 'new'), doubleKeyValue('cost.amount', 0.5)]);
    expect(toAttributes(attrs)).toEqual({ 'cost.team': 'new', x: '1', 'cost.amount': 0.5 });
    expect(attrs).toHaveLength(3);
  });

  it('arrayKeyValue builds ints on request', () => {
    expect(
      arrayKeyValue('n', [1, 2], { ints: true }).value?.arrayValue?.values[1]?.intValue?.toString(),
    ).toBe('2');
  });
});

describe('metric data', () => {
  it('names the data member and reads number values', () => {
    expect(metricDataKind({ name: 'x', gauge: { dataPoints: [] } })).toBe('gauge');
    expect(metricDataKind({ name: 'x' })).toBeUndefined();
    const t = toNanos(1);
    expect(numberValue({ attributes: [], startTimeUnixNano: t, timeUnixNano: t, asInt: toInt64(3) })).toBe(3);
    expect(numberValue({ attributes: [], startTimeUnixNano: t, timeUnixNano: t })).toBeUndefined();
  });
});

describe('nanosToMs precision', () => {
  it('keeps whole milliseconds exact for present-day times', () => {
    for (const ms of [Date.UTC(2026, 10, 2, 10, 30), 1793615400000, 1717243200123, 4102444800000]) {
      expect(nanosToMs(toNanos(BigInt(ms) * 1_000_000n))).toBe(ms);
      expect(nanosToMs(toNanos(BigInt(ms) * 1_000_000n + 500_000n))).toBe(ms + 0.5);
    }
  });
});
