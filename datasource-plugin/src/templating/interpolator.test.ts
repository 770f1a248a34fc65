import { MapInterpolator, TemplateSrvInterpolator } from './interpolator';

/** A TemplateSrv stand-in that behaves like Grafana's for `$name` and `${name}` with a format function. */
function templateSrv(
  vars: Record<string, { value: string | string[]; current?: unknown; allValue?: string }>,
) {
  return {
    containsTemplate: (t?: string) => /\$\{?\w+\}?/.test(t ?? ''),
    replace(t = '', _scoped?: unknown, format?: unknown) {
      return t.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
        const v = vars[name];
        if (!v) return whole;
        const variable = { current: v.current ?? { value: v.value }, allValue: v.allValue };
        return typeof format === 'function' ? format(v.value, variable) : String(v.value);
      });
    },
  };
}

describe('TemplateSrvInterpolator', () => {
  it('returns plain text as one value', () => {
    expect(new TemplateSrvInterpolator(templateSrv({})).values('payments')).toEqual(['payments']);
  });

  it('keeps a multi-value selection as a list, hostile values untouched (quoting is the caller’s job)', () => {
    const i = new TemplateSrvInterpolator(templateSrv({ team: { value: ['a', "b' OR 1=1", 'c,d'] } }));
    expect(i.values('$team')).toEqual(['a', "b' OR 1=1", 'c,d']);
  });

  it('expands a variable inside text, and two variables as their combinations', () => {
    const i = new TemplateSrvInterpolator(templateSrv({ a: { value: ['x', 'y'] }, b: { value: '1' } }));
    expect(i.values('svc-${a}')).toEqual(['svc-x', 'svc-y']);
    expect(i.values('$a-$b')).toEqual(['x-1', 'y-1']);
  });

  it('"All" without a custom all value means no condition', () => {
    const i = new TemplateSrvInterpolator(
      templateSrv({ team: { value: ['a', 'b'], current: { value: ['$__all'] } } }),
    );
    expect(i.values('$team')).toBeUndefined();
  });

  it('"All" with a custom all value is that value', () => {
    const i = new TemplateSrvInterpolator(
      templateSrv({ team: { value: '.*', current: { value: '$__all' }, allValue: '.*' } }),
    );
    expect(i.values('$team')).toEqual(['.*']);
  });

  it('an unknown variable stays as typed', () => {
    expect(new TemplateSrvInterpolator(templateSrv({})).values('$nope')).toEqual(['$nope']);
  });
});

describe('MapInterpolator', () => {
  it('mirrors the template service for tests and previews', () => {
    const i = new MapInterpolator({ team: ['a', 'b'], svc: 'api', all: '$__all' });
    expect(i.values('$team')).toEqual(['a', 'b']);
    expect(i.values('${svc}-x')).toEqual(['api-x']);
    expect(i.values('$all')).toBeUndefined();
    expect(i.raw('$team/$svc/$nope')).toBe('a,b/api/$nope');
  });
});
