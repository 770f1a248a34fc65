import { QueryBuildError } from '../queries/contract';
import { buildCtx, FROM, structure, TO, type TestVarValue } from '../queries/testing';
import { lex, regexSource, splitStatements, unquote } from './lexer';
import { expandRawQuery } from './macros';

const expand = (text: string, vars: Record<string, TestVarValue> = {}, intervalMs = 300_000) =>
  expandRawQuery(text, buildCtx({ vars, intervalMs }));

describe('macros', () => {
  it('replaces the time filter, interval and range ends', () => {
    expect(
      expand('SELECT SUM("amount_nano") FROM "cost" WHERE $timeFilter GROUP BY time($__interval) fill(none)'),
    ).toBe(
      `SELECT SUM("amount_nano") FROM "cost" WHERE time >= ${FROM}ms AND time <= ${TO}ms GROUP BY time(5m) fill(none)`,
    );
    expect(expand('$__timeFilter $interval ${__interval} $__interval_ms ${__from}ms $__to')).toBe(
      `time >= ${FROM}ms AND time <= ${TO}ms 5m 5m 300000 ${FROM}ms ${TO}`,
    );
  });

  it('never goes below the one-minute rollups', () => {
    expect(expand('time($__interval)', {}, 10_000)).toBe('time(1m)');
  });

  it('leaves macros inside literals and comments alone', () => {
    expect(expand(`SELECT 'cost $timeFilter' -- $__interval`)).toBe(
      `SELECT 'cost $timeFilter' -- $__interval`,
    );
  });
});

describe('variables by context', () => {
  it('escapes for a string, an identifier and a regex', () => {
    expect(expand(`WHERE "team" = '$team'`, { team: "o'brien" })).toBe(`WHERE "team" = 'o\\'brien'`);
    expect(expand(`FROM "$m"`, { m: 'we"ird' })).toBe(`FROM "we\\"ird"`);
    expect(expand(`WHERE "team" =~ /^$team$/`, { team: ['a.b', 'c/d'] })).toBe(
      `WHERE "team" =~ /^(?:a\\.b|c\\/d)$/`,
    );
    expect(expand(`WHERE "team" =~ /^$team$/`, { team: null })).toBe(`WHERE "team" =~ /^.*$/`);
  });

  it('allows plain words and numbers in code', () => {
    expect(expand('SELECT * FROM $m LIMIT $n', { m: 'cost', n: '10' })).toBe('SELECT * FROM cost LIMIT 10');
    expect(expand('GROUP BY time($bucket)', { bucket: '1h' })).toBe('GROUP BY time(1h)');
  });

  it('refuses, naming the variable, what cannot go where it is', () => {
    const cases: Array<[string, Record<string, TestVarValue>, RegExp]> = [
      [`WHERE x = '$t'`, { t: ['a', 'b'] }, /variable \$t has 2 values, which cannot go inside a '…' string/],
      [`FROM "$m"`, { m: null }, /variable \$m is set to "All"/],
      ['LIMIT $n', { n: '1 OR 1=1' }, /variable \$n cannot be used outside quotes/],
      ['WHERE a = $v', { v: 'OR' }, /variable \$v cannot be used outside quotes/],
      ['WHERE a = $v', { v: 'x--' }, /variable \$v/],
      ['WHERE a = -$v', { v: '-1' }, /variable \$v/],
      ['WHERE a = $v', { v: 'a-' }, /variable \$v/],
      ['LIMIT $n', { n: ['1', '2'] }, /variable \$n has 2 values, which cannot go in code/],
    ];
    for (const [text, vars, error] of cases) {
      expect(() => expand(text, vars)).toThrow(error);
    }
    expect(() => expand(`WHERE x = 'open`)).toThrow(QueryBuildError);
    expect(() => expand(`WHERE x = 'open`)).toThrow(/unterminated string literal/);
  });

  it('keeps unknown variables and escaped dollars as written', () => {
    expect(expand(`WHERE x =~ /a$/ AND y = '$nope'`)).toBe(`WHERE x =~ /a$/ AND y = '$nope'`);
    expect(expand(`WHERE x =~ /\\$t/`, { t: 'zz' })).toBe(`WHERE x =~ /\\$t/`);
  });
});

describe('hostile values in raw queries', () => {
  const HOSTILE = ["' OR 1=1 --", '"); DROP DATABASE x; --', 'a\nb', 'a/ OR 1=1 /', 'x\\', '\\/;', '*/ ; /*'];
  const raw = `SELECT * FROM "$m" WHERE "team" = '$v' AND "svc" =~ /^$v$/ AND $timeFilter`;
  const benign = expand(raw, { v: 'x', m: 'cost' });

  it.each(HOSTILE)('%j stays inside its literals', (hostile) => {
    const text = expand(raw, { v: hostile, m: hostile });
    expect(splitStatements(text)).toHaveLength(1);
    expect(structure(text)).toBe(structure(benign));
    const tokens = lex(text).filter((t) => t.kind !== 'code');
    const [ident, , str, , re] = tokens.map((t) => text.slice(t.start, t.end));
    expect(unquote(ident!)).toBe(hostile);
    expect(unquote(str!)).toBe(hostile);
    expect(new RegExp(regexSource(re!)).test(hostile)).toBe(true);
  });

  it.each(HOSTILE)('%j as one of several values stays inside the regex', (hostile) => {
    const text = expand(`SELECT * FROM cost WHERE "svc" =~ /^$v$/`, { v: [hostile, 'ok'] });
    expect(structure(text)).toBe(`SELECT * FROM cost WHERE <ident> =~ <regex>`);
    const re = new RegExp(regexSource(text.slice(text.indexOf('=~ ') + 3)));
    expect([re.test(hostile), re.test('ok'), re.test(hostile + 'ok')]).toEqual([true, true, false]);
  });
});
