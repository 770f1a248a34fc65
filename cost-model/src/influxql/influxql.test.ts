import {
  escapeIdentifier,
  escapeRegexText,
  ident,
  influxql,
  quoteString,
  raw,
  regex,
  regexLiteral,
} from './influxql';

describe('InfluxQL quoting', () => {
  it('always double-quotes identifiers, escaping backslash, quote and newline', () => {
    expect(escapeIdentifier('cost')).toBe('"cost"');
    expect(escapeIdentifier('a"b')).toBe('"a\\"b"');
    expect(escapeIdentifier('a\\b')).toBe('"a\\\\b"');
    expect(escapeIdentifier('a"; DROP DATABASE "x')).toBe('"a\\"; DROP DATABASE \\"x"');
    expect(escapeIdentifier('line\nbreak')).toBe('"line\\nbreak"');
  });

  it('single-quotes strings, escaping backslash, quote and newline', () => {
    expect(quoteString("x' OR 1=1 --")).toBe("'x\\' OR 1=1 --'");
    expect(quoteString('a\\')).toBe("'a\\\\'");
    expect(quoteString("a\\' OR 'b")).toBe("'a\\\\\\' OR \\'b'");
    expect(quoteString('a\nb')).toBe("'a\\nb'");
  });

  it('writes regex literals with "/" escaped, and escapes literal text for regexes', () => {
    expect(regexLiteral('^a/b$')).toBe('/^a\\/b$/');
    expect(escapeRegexText('a.b*(c)/d')).toBe('a\\.b\\*\\(c\\)/d');
    expect(regexLiteral('^' + escapeRegexText('a/b.c') + '$')).toBe('/^a\\/b\\.c$/');
  });

  it('keeps escapes already in the source, so a pre-escaped slash cannot end the literal early', () => {
    // The source `a\/b` (escaped slash) must stay `/a\/b/`, not become `/a\\/b/` (which ends at `\\/`).
    expect(regexLiteral('a\\/b')).toBe('/a\\/b/');
    expect(regexLiteral('a\\\\/b')).toBe('/a\\\\\\/b/'); // an escaped backslash, then a bare slash
    expect(regexLiteral('a\\.b\nc')).toBe('/a\\.b\\nc/');
    expect(() => regexLiteral('abc\\')).toThrow(/lone backslash/);
  });
});

describe('influxql tagged template', () => {
  it('quotes strings as literals and numbers as numbers', () => {
    const tenant = "x' OR 1=1 --";
    expect(influxql`SELECT * FROM "cost" WHERE "tenant" = ${tenant} AND "events" > ${3} LIMIT ${10n}`).toBe(
      `SELECT * FROM "cost" WHERE "tenant" = 'x\\' OR 1=1 --' AND "events" > 3 LIMIT 10`,
    );
  });

  it('quotes identifiers, regexes, dates, booleans and lists', () => {
    const q = influxql`SELECT SUM(${ident('amount_nano')}) FROM ${ident('a"b')} WHERE ${ident('team')} =~ ${regex('^pay')} AND time >= ${new Date(0)} AND "ok" = ${true} GROUP BY ${[ident('tenant'), ident('team')]}, time(${raw('1m')})`;
    expect(q).toBe(
      `SELECT SUM("amount_nano") FROM "a\\"b" WHERE "team" =~ /^pay/ AND time >= '1970-01-01T00:00:00.000Z' AND "ok" = true GROUP BY "tenant", "team", time(1m)`,
    );
  });

  it('refuses values it cannot write safely', () => {
    expect(() => influxql`${NaN}`).toThrow(/non-finite/);
    expect(() => influxql`${new Date('nope')}`).toThrow(/invalid Date/);
    expect(() => influxql`${{} as never}`).toThrow(/cannot interpolate/);
  });
});
