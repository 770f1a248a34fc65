import { parseJsonBigInt } from './json-bigint';

describe('parseJsonBigInt', () => {
  it('keeps integers beyond 2^53 exact as bigint', () => {
    const v = parseJsonBigInt(
      '{"a":[9007199254740993,-9223372036854775808,9007199254740991,1.5e300,0.1234567890123456789]}',
    );
    expect(v).toEqual({
      a: [
        9007199254740993n,
        -9223372036854775808n,
        9007199254740991,
        1.5e300,
        Number('0.1234567890123456789'),
      ],
    });
  });

  it('parses like JSON.parse otherwise, including escapes and unicode', () => {
    const text = JSON.stringify({
      s: 'a"b\\c\n💸中',
      n: null,
      t: true,
      f: false,
      arr: [],
      obj: {},
      big: '12345678901234567890',
    });
    expect(parseJsonBigInt(text)).toEqual(JSON.parse(text));
    const nested = ' [ { "x" : [ 1 , 2 , { } ] } , 12345678901234567 ] ';
    expect(parseJsonBigInt(nested)).toEqual([{ x: [1, 2, {}] }, 12345678901234567n]);
  });

  it('reports malformed input with an offset', () => {
    expect(() => parseJsonBigInt('[12345678901234567,')).toThrow(/offset/);
    expect(() => parseJsonBigInt('{"a" 12345678901234567}')).toThrow(SyntaxError);
  });
});
