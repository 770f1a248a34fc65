/**
 * The harness's TemplateSrv, without a browser: Grafana's variable syntaxes, scoped variables, All, and the
 * formats data sources ask for (as Grafana's templateSrv and formatRegistry apply them).
 */
import { HarnessTemplateSrv } from '../support/grafana-harness/browser/template-srv';

function srv(): HarnessTemplateSrv {
  const s = new HarnessTemplateSrv();
  s.setVariables([
    { name: 'team', value: 'pay.ments' },
    { name: 'teams', value: ['a', 'b.c'], options: ['a', 'b.c', 'd'] },
    { name: 'one', value: ['solo'] },
    { name: 'all', value: '$__all', options: ['x', 'y'] },
    { name: 'allCustom', value: ['$__all'], allValue: '.*', options: ['x', 'y'] },
    { name: 'quote', value: ["o'brien", 'x'] },
  ]);
  return s;
}

describe('HarnessTemplateSrv.replace', () => {
  it('replaces every variable syntax, leaving unknown ones as written', () => {
    const s = srv();
    expect(s.replace('$team ${team} [[team]] ${team:raw} [[team:regex]] $unknown')).toBe(
      'pay.ments pay.ments pay.ments pay.ments pay\\.ments $unknown',
    );
  });

  it('applies formats to multi-value variables as Grafana does', () => {
    const s = srv();
    expect(s.replace('$teams')).toBe('{a,b.c}'); // glob by default
    expect(s.replace('$teams', {}, 'regex')).toBe('(a|b\\.c)');
    expect(s.replace('$one', {}, 'regex')).toBe('solo');
    expect(s.replace('${teams:pipe}')).toBe('a|b.c');
    expect(s.replace('${teams:csv}')).toBe('a,b.c');
    expect(s.replace('${teams:json}')).toBe('["a","b.c"]');
    expect(s.replace('${quote:singlequote}')).toBe("'o\\'brien','x'");
    expect(s.replace('${quote:sqlstring}')).toBe("'o''brien','x'");
    expect(s.replace('${teams:doublequote}')).toBe('"a","b.c"');
    expect(s.replace('${teams:percentencode}')).toBe('%7Ba%2Cb.c%7D');
  });

  it('calls a format function with the value (string or array), the variable and formatValue', () => {
    const s = srv();
    const seen: unknown[] = [];
    const fmt = (v: unknown, variable: unknown) => {
      seen.push([v, (variable as { name?: string }).name]);
      return Array.isArray(v) ? `<${v.join('+')}>` : `<${String(v)}>`;
    };
    expect(s.replace('$teams / $team', {}, fmt)).toBe('<a+b.c> / <pay.ments>');
    expect(seen).toEqual([
      [['a', 'b.c'], 'teams'],
      ['pay.ments', 'team'],
    ]);
  });

  it('expands All to every option, or returns the custom all value unformatted', () => {
    const s = srv();
    expect(s.replace('$all', {}, 'regex')).toBe('(x|y)');
    expect(s.replace('$allCustom', {}, 'regex')).toBe('.*');
  });

  it('prefers scoped variables, and knows __from/__to after updateTimeRange', () => {
    const s = srv();
    expect(
      s.replace('$team $__interval', { team: { value: 'scoped' }, __interval: { text: '1m', value: '1m' } }),
    ).toBe('scoped 1m');
    expect(s.replace('$__from')).toBe('$__from');
    s.updateTimeRange({ from: { valueOf: () => 1000 }, to: { valueOf: () => 2000 } });
    expect(s.replace('$__from-${__to}')).toBe('1000-2000');
  });

  it('containsTemplate is true only for variables that exist; getVariables describes them', () => {
    const s = srv();
    expect(s.containsTemplate('x $team')).toBe(true);
    expect(s.containsTemplate('x $nope')).toBe(false);
    expect(s.getVariables().find((v) => v['name'] === 'teams')).toMatchObject({
      multi: true,
      current: { value: ['a', 'b.c'] },
      options: [
        { value: 'a', selected: true },
        { value: 'b.c', selected: true },
        { value: 'd', selected: false },
      ],
    });
  });
});
