import { QueryBuildError } from '../queries/contract';
import { buildCtx, literals, structure, type TestVarValue } from '../queries/testing';
import { lex, regexSource, splitStatements, unquote } from './lexer';
import {
  and,
  eq,
  equalsCondition,
  oneOf,
  regexLiteralFrom,
  tagCondition,
  tagConditions,
  timeCondition,
} from './where';
import type { TagFilter } from '../types';

const ctx = (vars: Record<string, TestVarValue> = {}) => buildCtx({ vars });
const cond = (filter: TagFilter, vars: Record<string, TestVarValue> = {}) => tagCondition(filter, ctx(vars));

/** Values chosen to break out of a literal, add a statement, or start a comment. */
const HOSTILE = [
  "' OR 1=1",
  "x' OR '1'='1",
  '"); DROP DATABASE meterline; --',
  'a\nb; DROP MEASUREMENT cost',
  'a/ OR 1=1 /',
  'trailing\\',
  '\\/ OR 1=1',
  "'; SELECT * FROM cost; --",
  '/* comment',
  '$other',
  '(?i).*',
];

/** The regex a literal token stands for, as JavaScript reads it (the escapes used are RE2 ∩ JS). */
function regexOf(token: string): RegExp {
  return new RegExp(regexSource(token));
}

describe('timeCondition', () => {
  it('is both ends in epoch ms, inclusive', () => {
    expect(timeCondition(123, 456)).toBe('time >= 123ms AND time <= 456ms');
    expect(timeCondition(123.9, 456.2)).toBe('time >= 123ms AND time <= 456ms');
  });

  it('refuses a non-finite range, naming it', () => {
    expect(() => timeCondition(NaN, 1)).toThrow(/invalid time range: from NaN/);
  });
});

describe('tagCondition without variables', () => {
  it('quotes the key as an identifier and the value as a literal', () => {
    expect(cond({ key: 'team', operator: '=', value: 'payments' })).toBe(`"team" = 'payments'`);
    expect(cond({ key: 'team', operator: '!=', value: "o'brien" })).toBe(`"team" != 'o\\'brien'`);
    expect(cond({ key: 'we"ird', operator: '=', value: 'x' })).toBe(`"we\\"ird" = 'x'`);
  });

  it('uses a typed regex as the user wrote it: anchoring is theirs', () => {
    expect(cond({ key: 'service', operator: '=~', value: '^pay' })).toBe('"service" =~ /^pay/');
    expect(cond({ key: 'service', operator: '!~', value: 'api/v1' })).toBe('"service" !~ /api\\/v1/');
  });

  it('keeps a regex that already escapes its slashes intact (cost-model regexLiteral would double them)', () => {
    const c = cond({ key: 'service', operator: '=~', value: 'api\\/v1' })!;
    expect(c).toBe('"service" =~ /api\\/v1/');
    expect(structure(c)).toBe('<ident> =~ <regex>');
  });

  it('names the input of a bad filter', () => {
    expect(() => cond({ key: ' ', operator: '=', value: 'x' })).toThrow(/no tag key .*value 'x'/);
    expect(() => cond({ key: 'team', operator: 'LIKE' as never, value: 'x' })).toThrow(
      /filter on "team": unknown operator 'LIKE'/,
    );
    expect(() => cond({ key: 'team', operator: '=~', value: 'abc\\' })).toThrow(QueryBuildError);
  });
});

describe('tagCondition with variables', () => {
  it('one value: a plain literal', () => {
    expect(cond({ key: 'team', operator: '=', value: '$team' }, { team: 'payments' })).toBe(
      `"team" = 'payments'`,
    );
    expect(cond({ key: 'team', operator: '!=', value: '${team}' }, { team: 'payments' })).toBe(
      `"team" != 'payments'`,
    );
  });

  it('several values: an anchored alternation of escaped values, negated with !~', () => {
    expect(cond({ key: 'team', operator: '=', value: '$team' }, { team: ['a.b', 'c|d'] })).toBe(
      '"team" =~ /^(?:a\\.b|c\\|d)$/',
    );
    expect(cond({ key: 'team', operator: '!=', value: '$team' }, { team: ['a', 'b'] })).toBe(
      '"team" !~ /^(?:a|b)$/',
    );
  });

  it('All: no condition at all', () => {
    for (const operator of ['=', '!=', '=~', '!~'] as const) {
      expect(cond({ key: 'team', operator, value: '$team' }, { team: null })).toBeUndefined();
    }
    expect(tagConditions([{ key: 'team', operator: '=', value: '$team' }], ctx({ team: null }))).toEqual([]);
  });

  it('regex filters: values are escaped, anchoring is the typed text’s', () => {
    expect(cond({ key: 'service', operator: '=~', value: '^$svc$' }, { svc: ['a.b', 'c'] })).toBe(
      '"service" =~ /^(?:a\\.b|c)$/',
    );
    expect(cond({ key: 'service', operator: '=~', value: '$svc' }, { svc: 'a+b' })).toBe(
      '"service" =~ /a\\+b/',
    );
    expect(cond({ key: 'service', operator: '=~', value: '^$svc-.*' }, { svc: null })).toBe(
      '"service" =~ /^.*-.*/',
    );
  });

  it('mixed text and variables in = : one combination is a literal, more an anchored regex', () => {
    expect(cond({ key: 'service', operator: '=', value: 'svc-$env' }, { env: 'prod' })).toBe(
      `"service" = 'svc-prod'`,
    );
    expect(cond({ key: 'service', operator: '=', value: 'svc.$env' }, { env: ['prod', 'dev'] })).toBe(
      '"service" =~ /^svc\\.(?:prod|dev)$/',
    );
    expect(cond({ key: 'service', operator: '=', value: 'svc-$env' }, { env: null })).toBe(
      '"service" =~ /^svc-.*$/',
    );
  });

  it('an unknown variable stays as typed (a $ in a regex is an anchor)', () => {
    expect(cond({ key: 'service', operator: '=~', value: 'pay$' })).toBe('"service" =~ /pay$/');
    expect(cond({ key: 'service', operator: '=~', value: '^a$b' })).toBe('"service" =~ /^a$b/');
    expect(cond({ key: 'team', operator: '=', value: '$nope' })).toBe(`"team" = '$nope'`);
  });

  it('the key may be a variable too, quoted as an identifier', () => {
    expect(cond({ key: '$tag', operator: '=', value: 'x' }, { tag: 'a" OR 1=1' })).toBe(
      `"a\\" OR 1=1" = 'x'`,
    );
  });
});

describe('hostile variable values cannot change the structure', () => {
  const benignSingle = cond({ key: 'team', operator: '=', value: '$team' }, { team: 'x' })!;
  const benignMulti = cond({ key: 'team', operator: '=', value: '$team' }, { team: ['x', 'y'] })!;
  const benignRegex = cond({ key: 'team', operator: '=~', value: '^$team$' }, { team: 'x' })!;

  it.each(HOSTILE)('single value %j stays one string literal holding exactly the value', (hostile) => {
    const c = cond({ key: 'team', operator: '=', value: '$team' }, { team: hostile })!;
    expect(structure(c)).toBe(structure(benignSingle));
    expect(lex(c).every((t) => t.closed)).toBe(true);
    expect(literals(c).map((l) => (l.startsWith("'") ? unquote(l) : l))).toEqual(['"team"', hostile]);
  });

  it.each(HOSTILE)('multi-value %j stays one regex literal matching exactly the values', (hostile) => {
    const c = cond({ key: 'team', operator: '=', value: '$team' }, { team: [hostile, 'ok'] })!;
    expect(structure(c)).toBe(structure(benignMulti));
    const re = regexOf(literals(c)[1]!);
    expect(re.test(hostile)).toBe(true);
    expect(re.test('ok')).toBe(true);
    expect(re.test(hostile + 'x')).toBe(false);
    expect(re.test('x' + hostile)).toBe(false);
  });

  it.each(HOSTILE)('in a typed regex, %j is matched literally', (hostile) => {
    const c = cond({ key: 'team', operator: '=~', value: '^$team$' }, { team: hostile })!;
    expect(structure(c)).toBe(structure(benignRegex));
    const re = regexOf(literals(c)[1]!);
    expect(re.test(hostile)).toBe(true);
    expect(re.test(hostile.slice(1))).toBe(hostile.length <= 1);
  });

  it.each(HOSTILE)('a whole statement with %j stays one statement of the same shape', (hostile) => {
    const statement = (v: TestVarValue): string =>
      `SELECT SUM("amount_nano") FROM "cost" WHERE ${and(
        timeCondition(1, 2),
        tagConditions(
          [
            { key: 'team', operator: '=', value: '$v' },
            { key: 'service', operator: '!=', value: '$v' },
            { key: 'tenant', operator: '=~', value: '$v' },
          ],
          ctx({ v }),
        ),
      )} GROUP BY "team"`;
    for (const [hostileValue, benignValue] of [
      [hostile, 'x'],
      [
        [hostile, '1'],
        ['x', '1'],
      ],
    ] as const) {
      const text = statement(hostileValue as TestVarValue);
      expect(splitStatements(text)).toHaveLength(1);
      expect(structure(text)).toBe(structure(statement(benignValue as TestVarValue)));
    }
  });
});

describe('small helpers', () => {
  it('and() skips missing conditions', () => {
    expect(and('a', undefined, ['b', undefined], '')).toBe('a AND b');
  });

  it('eq, oneOf and equalsCondition quote like everything else', () => {
    expect(eq('signal', "it's")).toBe(`"signal" = 'it\\'s'`);
    expect(oneOf('window', ['1h'])).toBe(`"window" = '1h'`);
    expect(oneOf('window', ['1h', '6h', '1h'])).toBe('"window" =~ /^(?:1h|6h)$/');
    expect(oneOf('window', [])).toBeUndefined();
    expect(equalsCondition('budget', '  ', ctx())).toBeUndefined();
    expect(equalsCondition('budget', '$b', ctx({ b: ['x', 'y'] }))).toBe('"budget" =~ /^(?:x|y)$/');
  });

  it('regexLiteralFrom keeps \\/ as a slash and escapes bare ones once', () => {
    expect(regexLiteralFrom('a/b\\/c\\\\/d', 'test')).toBe('/a\\/b\\/c\\\\\\/d/');
    expect(regexSource(regexLiteralFrom('a/b\\/c\\\\/d', 'test'))).toBe('a/b/c\\\\/d');
    expect(() => regexLiteralFrom('x\\', 'filter on "k"')).toThrow(
      /filter on "k": the regex 'x\\' ends with a lone backslash/,
    );
  });
});
