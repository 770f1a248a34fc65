import {
  LineProtocolError,
  encodeFieldValue,
  encodeLine,
  encodeStringField,
  escapeFieldKey,
  escapeMeasurement,
  escapeTagKey,
  escapeTagValue,
  formatTimestamp,
  int,
  MAX_TAG_VALUE_LENGTH,
  sanitizeTagValue,
} from './line-protocol';

describe('escaping', () => {
  it('escapes commas, "=", spaces and quotes in measurements and field keys', () => {
    expect(escapeMeasurement('my measurement,x=1"')).toBe('my\\ measurement\\,x\\=1\\"');
    expect(escapeFieldKey('f"k')).toBe('f\\"k');
  });

  it('escapes commas, "=" and spaces in tag keys, tag values and field keys', () => {
    expect(escapeTagKey('a b,c=d')).toBe('a\\ b\\,c\\=d');
    expect(escapeTagValue('a b,c=d')).toBe('a\\ b\\,c\\=d');
    expect(escapeFieldKey('a b,c=d')).toBe('a\\ b\\,c\\=d');
    expect(escapeTagValue('a"b')).toBe('a"b');
  });

  it('leaves backslashes, quotes and unicode in tag values alone (InfluxDB stores them literally)', () => {
    expect(escapeTagValue('a\\b"c\'d💸中文')).toBe('a\\b"c\'d💸中文');
    expect(escapeTagValue('a\\"b')).toBe('a\\"b');
  });

  it('returns the same string when nothing needs escaping', () => {
    const s = 'tenant-42';
    expect(escapeTagValue(s)).toBe(s);
  });

  it('rejects newlines and carriage returns, naming the tag and measurement', () => {
    expect(() => escapeTagValue('a\nb', 'tenant', 'cost')).toThrow(LineProtocolError);
    expect(() => escapeTagValue('a\nb', 'tenant', 'cost')).toThrow(
      /tag "tenant" of measurement "cost".*newline at index 1/,
    );
    expect(() => escapeTagKey('a\rb', 'cost')).toThrow(/tag key "a\\rb".*carriage return/);
    expect(() => escapeMeasurement('a\nb')).toThrow(/measurement/);
    expect(() => escapeFieldKey('f\n', 'm')).toThrow(/field key/);
  });

  it('rejects a backslash right before an escaped character (InfluxDB parses it inconsistently)', () => {
    expect(() => escapeTagValue('a\\ b', 'team', 'cost')).toThrow(
      /tag "team".*backslash right before " " at index 2/,
    );
    expect(() => escapeTagValue('a\\,b')).toThrow(/backslash right before ","/);
    expect(() => escapeFieldKey('a\\=b')).toThrow(/field key/);
    expect(() => escapeMeasurement('m\\"')).toThrow(/measurement/);
  });

  it('rejects a trailing backslash (it would escape the delimiter)', () => {
    expect(() => escapeTagValue('ends\\', 'team', 'cost')).toThrow(/tag "team".*ends with a backslash/);
    expect(() => escapeFieldKey('f\\')).toThrow(/ends with a backslash/);
  });

  it('rejects empty names and a measurement starting with "#" or a tab', () => {
    expect(() => escapeTagValue('', 'k')).toThrow(/empty/);
    expect(() => escapeMeasurement('#m')).toThrow(/"#"/);
    expect(() => escapeMeasurement('\tm')).toThrow(/tab/);
  });

  it('quotes string fields, escaping quotes and backslashes and keeping newlines', () => {
    expect(encodeStringField('plain')).toBe('"plain"');
    expect(encodeStringField('a"b\\c\nd, e=f')).toBe('"a\\"b\\\\c\nd, e=f"');
    expect(encodeStringField('ends\\')).toBe('"ends\\\\"');
  });
});

describe('field values', () => {
  it('types fields by JavaScript type', () => {
    expect(encodeFieldValue(1.5)).toBe('1.5');
    expect(encodeFieldValue(3)).toBe('3');
    expect(encodeFieldValue(3n)).toBe('3i');
    expect(encodeFieldValue(int(3))).toBe('3i');
    expect(encodeFieldValue('x')).toBe('"x"');
    expect(encodeFieldValue(true)).toBe('true');
    expect(encodeFieldValue(false)).toBe('false');
    expect(encodeFieldValue(1e-7)).toBe('1e-7');
    expect(encodeFieldValue(int(-(2n ** 63n)))).toBe('-9223372036854775808i');
  });

  it('rejects NaN and Infinity, naming the field', () => {
    expect(() => encodeFieldValue(NaN, 'quantity')).toThrow(/field "quantity".*finite.*NaN/);
    expect(() => encodeFieldValue(Infinity, 'q')).toThrow(/Infinity/);
    expect(() => encodeFieldValue(-Infinity, 'q')).toThrow(/-Infinity/);
  });

  it('rejects integers that are not safe or not int64, naming the field', () => {
    expect(() => encodeFieldValue(int(1.5), 'events')).toThrow(/field "events".*1.5/);
    expect(() => encodeFieldValue(int(2 ** 53), 'events')).toThrow(/safe integer/);
    expect(() => encodeFieldValue(2n ** 63n, 'amount_nano')).toThrow(/field "amount_nano".*outside int64/);
  });
});

describe('timestamps', () => {
  it('formats epoch ms for each precision', () => {
    expect(formatTimestamp(1700000000123, 'ms')).toBe('1700000000123');
    expect(formatTimestamp(1700000000123, 'ns')).toBe('1700000000123000000');
    expect(formatTimestamp(1700000000123, 'us')).toBe('1700000000123000');
    expect(formatTimestamp(1700000000000, 's')).toBe('1700000000');
    expect(formatTimestamp(0, 'ns')).toBe('0');
    expect(formatTimestamp(-5, 'ns')).toBe('-5000000');
  });

  it('formats epoch ns bigints', () => {
    expect(formatTimestamp(1700000000123456789n, 'ns')).toBe('1700000000123456789');
    expect(formatTimestamp(1700000000123000000n, 'ms')).toBe('1700000000123');
  });

  it('refuses to move a point by losing precision', () => {
    expect(() => formatTimestamp(1.5, 'ms')).toThrow(/integer epoch milliseconds/);
    expect(() => formatTimestamp(1700000000123, 's')).toThrow(/whole number of seconds/);
    expect(() => formatTimestamp(1700000000123456789n, 'ms')).toThrow(/whole number of ms/);
  });
});

describe('encodeLine', () => {
  it('sorts tags, omits empty tags and absent fields, and appends the time', () => {
    const line = encodeLine(
      {
        measurement: 'cost',
        tags: {
          team: 'payments',
          env: '',
          tenant: 'acme corp',
          attribution: 'rule',
          region: undefined,
          x: null,
        },
        fields: { amount_nano: 12n, quantity: 0.5, note: undefined, price_version: 'v1' },
        time: 1700000000000,
      },
      'ms',
    );
    expect(line).toBe(
      'cost,attribution=rule,team=payments,tenant=acme\\ corp amount_nano=12i,quantity=0.5,price_version="v1" 1700000000000',
    );
  });

  it('omits the timestamp when no time is given', () => {
    expect(encodeLine({ measurement: 'm', fields: { f: true } })).toBe('m f=true');
  });

  it('needs at least one field', () => {
    expect(() => encodeLine({ measurement: 'm', fields: { a: undefined } })).toThrow(
      /measurement "m": a point needs at least one field/,
    );
  });

  it('is deterministic whatever the tag insertion order', () => {
    const a = encodeLine({ measurement: 'm', tags: { b: '2', a: '1' }, fields: { f: 1 }, time: 1 });
    const b = encodeLine({ measurement: 'm', tags: { a: '1', b: '2' }, fields: { f: 1 }, time: 1 });
    expect(a).toBe(b);
  });
});

describe('sanitizeTagValue', () => {
  it('leaves ordinary values unchanged', () => {
    expect(sanitizeTagValue('a b,c=d\\e"')).toBe('a b,c=d\\e"');
  });

  it('replaces a backslash before an escaped character', () => {
    expect(sanitizeTagValue('a\\ b\\,c\\=d')).toBe('a\uFF3C b\uFF3C,c\uFF3C=d');
    expect(() => escapeTagValue(sanitizeTagValue('a\\ b\\,c\\=d\\'))).not.toThrow();
  });

  it('writes newlines as the official clients do and replaces a trailing backslash', () => {
    expect(sanitizeTagValue('a\nb\r\nc')).toBe('a\\nb\\r\\nc');
    expect(sanitizeTagValue('dir\\')).toBe('dir\uFF3C');
    expect(() => escapeTagValue(sanitizeTagValue('x\n\\'))).not.toThrow();
  });

  it('bounds over-long values, keeping distinct values distinct (InfluxDB limits a series key to 64 KiB)', () => {
    const exact = 'x'.repeat(MAX_TAG_VALUE_LENGTH);
    expect(sanitizeTagValue(exact)).toBe(exact);
    const a = sanitizeTagValue(`${'t'.repeat(70_000)}a`);
    const b = sanitizeTagValue(`${'t'.repeat(70_000)}b`);
    expect(a).toHaveLength(MAX_TAG_VALUE_LENGTH);
    expect(a).toMatch(/^t+…#[0-9a-f]{16}$/);
    expect(a).not.toBe(b);
    expect(sanitizeTagValue(`${'t'.repeat(70_000)}a`)).toBe(a); // deterministic
    // Mapped first, then bounded; never a split surrogate pair or a dangling backslash.
    const mixed = sanitizeTagValue(`${'\n'.repeat(600)}${'😀'.repeat(600)}\\`);
    expect(mixed.length).toBeLessThanOrEqual(MAX_TAG_VALUE_LENGTH);
    expect(mixed.startsWith('\\n'.repeat(500))).toBe(true);
    expect(() => escapeTagValue(mixed)).not.toThrow();
    const emoji = sanitizeTagValue('a' + '😀'.repeat(1000));
    expect(emoji).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});
