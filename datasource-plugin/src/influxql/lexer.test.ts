import { lex, regexSource, splitStatements, unquote } from './lexer';

const kinds = (text: string) => lex(text).map((t) => [t.kind, text.slice(t.start, t.end)]);

describe('lex', () => {
  it('tells strings, identifiers, regexes, comments and code apart', () => {
    expect(kinds(`SELECT "a b" FROM cost WHERE x = 'it\\'s' AND y =~ /a\\/b/ -- note\nLIMIT 1`)).toEqual([
      ['code', 'SELECT '],
      ['ident', '"a b"'],
      ['code', ' FROM cost WHERE x = '],
      ['string', "'it\\'s'"],
      ['code', ' AND y =~ '],
      ['regex', '/a\\/b/'],
      ['code', ' '],
      ['comment', '-- note'],
      ['code', '\nLIMIT 1'],
    ]);
  });

  it('reads / as division except right after =~ or !~', () => {
    expect(kinds('SELECT a / b FROM m WHERE t !~/x/')).toEqual([
      ['code', 'SELECT a / b FROM m WHERE t !~'],
      ['regex', '/x/'],
    ]);
  });

  it('reads block comments and reports unclosed literals', () => {
    expect(kinds('a /* b; c */ d')).toEqual([
      ['code', 'a '],
      ['comment', '/* b; c */'],
      ['code', ' d'],
    ]);
    const [, open] = lex("x = 'abc");
    expect(open).toMatchObject({ kind: 'string', closed: false });
  });
});

describe('splitStatements', () => {
  it('splits at ; in code only', () => {
    expect(splitStatements(`SELECT 'a;b' FROM "c;d"; SELECT 1 -- x;y\n;;`)).toEqual([
      `SELECT 'a;b' FROM "c;d"`,
      'SELECT 1 -- x;y',
    ]);
  });
});

describe('unquote / regexSource', () => {
  it('undo InfluxQL escapes', () => {
    expect(unquote("'a\\'b\\\\c\\nd'")).toBe("a'b\\c\nd");
    expect(regexSource('/a\\/b\\.c/')).toBe('a/b\\.c');
  });
});
