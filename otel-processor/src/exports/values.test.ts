import { RowError } from './charge';
import { TimeReader, checkDecimal, fastIsoTime, isNull, parseExportTime, parseJsonTags } from './values';

describe('isNull', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['NULL', true],
    ['  ', true],
    ['\t', true],
    ['null', false],
    ['0', false],
    [' 1', false],
  ])('%j → %s', (cell, want) => expect(isNull(cell)).toBe(want));
});

describe('checkDecimal', () => {
  it('passes decimal text through unchanged, trims blanks, and gives the fallback for null cells', () => {
    for (const t of ['1.25', '-0.0000000000000000000000000001', '1.2E-9', '+3', '.5', '7.'])
      expect(checkDecimal(t, 'BilledCost')).toBe(t);
    expect(checkDecimal(' 4.5 ', 'BilledCost')).toBe('4.5');
    expect(checkDecimal('', 'ListCost')).toBe('0');
    expect(checkDecimal('NULL', 'ListCost', '')).toBe('');
  });

  it('names the column and the cell for anything else', () => {
    for (const bad of ['1,234.50', '12 USD', 'NaN', 'Infinity', '1e', '--1', '0x10']) {
      expect(() => checkDecimal(bad, 'BilledCost')).toThrow(
        new RowError(`BilledCost: not a decimal number: ${JSON.stringify(bad)}`),
      );
    }
  });
});

describe('export dates', () => {
  it('reads the shapes exports write', () => {
    const june1 = Date.UTC(2024, 5, 1);
    expect(parseExportTime('2024-06-01')).toBe(june1);
    expect(parseExportTime('2024-06-01T00:00:00Z')).toBe(june1);
    expect(parseExportTime('2024-06-01T02:00:00+02:00')).toBe(june1);
    expect(parseExportTime('2024-06-01 00:00:00 UTC')).toBe(june1);
    expect(parseExportTime('2024-06-01T00:00')).toBe(june1);
    expect(parseExportTime('2024-06-01T00:00:00.0000000Z')).toBe(june1);
    expect(parseExportTime('6/1/2024')).toBe(june1);
    expect(parseExportTime('06/01/2024 12:00:00 AM')).toBe(june1);
    expect(parseExportTime('202406')).toBe(june1);
    for (const bad of ['2024-06-31', '2024-13-01', '6/31/2024', 'June 1', ''])
      expect(parseExportTime(bad)).toBeUndefined();
  });

  it('fastIsoTime agrees with Date.parse on every day of 1999–2101 and rejects impossible dates', () => {
    for (let t = Date.UTC(1999, 0, 1); t < Date.UTC(2101, 0, 1); t += 86_400_000 + 3_723_456) {
      const iso = new Date(t).toISOString();
      expect(fastIsoTime(iso)).toBe(t);
      expect(fastIsoTime(iso.replace(/\.\d{3}Z$/, 'Z'))).toBe(t - (t % 1000));
    }
    for (const bad of [
      '2023-02-29T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-06-01T24:00:00Z',
      '2024-06-01 00:00:00Z',
      '2024-06-01T00:00:00+0000',
    ])
      expect(fastIsoTime(bad)).toBeNaN();
    expect(fastIsoTime('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(fastIsoTime('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
    expect(fastIsoTime('2100-02-29T00:00:00Z')).toBeNaN();
  });

  it('TimeReader reads, caches, and names the column of a bad cell', () => {
    const r = new TimeReader();
    expect(r.read('2024-06-01T01:00:00Z', 'ChargePeriodStart')).toBe(Date.UTC(2024, 5, 1, 1));
    expect(r.read('2024-06-01T01:00:00Z', 'ChargePeriodStart')).toBe(Date.UTC(2024, 5, 1, 1));
    expect(r.read('6/2/2024', 'Date')).toBe(Date.UTC(2024, 5, 2));
    expect(r.read('6/2/2024', 'Date')).toBe(Date.UTC(2024, 5, 2));
    expect(r.readOr('', 'BillingPeriodStart', 42)).toBe(42);
    expect(() => r.read('2024-06-31', 'Date')).toThrow('Date: not a date: "2024-06-31"');
    expect(() => r.read('', 'Date')).toThrow('Date: empty');
    expect(() => r.read(undefined, 'Date')).toThrow('Date: missing');
  });
});

describe('parseJsonTags', () => {
  it('reads JSON objects, Azure brace-less objects and GCP key/value lists', () => {
    expect(parseJsonTags('{"team":"payments","n":3,"x":null}', 'Tags')).toEqual({ team: 'payments', n: '3' });
    expect(parseJsonTags('"team": "payments","env": "prod, eu"', 'Tags')).toEqual({
      team: 'payments',
      env: 'prod, eu',
    });
    expect(parseJsonTags('[{"key":"team","value":"search"}]', 'labels')).toEqual({ team: 'search' });
    expect(parseJsonTags('NULL', 'Tags')).toEqual({});
    expect(() => parseJsonTags('{team', 'Tags')).toThrow('Tags: tags are not JSON');
    expect(() => parseJsonTags('42', 'Tags')).toThrow('Tags: tags are not JSON: "42"');
    expect(() => parseJsonTags('[1]', 'Tags')).not.toThrow();
  });
});

describe('checkDecimal agrees with the decimal pattern', () => {
  it('on every short string over the characters that matter', () => {
    const pattern = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
    const alphabet = ['1', '0', '.', '-', '+', 'e', 'E', 'x', ' '];
    let checked = 0;
    const walk = (prefix: string): void => {
      if (prefix.length > 0 && prefix.trim() === prefix) {
        let ok = true;
        try {
          checkDecimal(prefix, 'c');
        } catch {
          ok = false;
        }
        expect([prefix, ok]).toEqual([prefix, pattern.test(prefix)]);
        checked++;
      }
      if (prefix.length < 5) for (const a of alphabet) walk(prefix + a);
    };
    walk('');
    expect(checked).toBeGreaterThan(50_000);
  });
});
