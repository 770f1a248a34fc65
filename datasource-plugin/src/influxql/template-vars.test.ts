import { buildCtx } from '../queries/testing';
import { resolveVariable, scanVariables, templateParts } from './template-vars';

describe('scanVariables', () => {
  it('finds every Grafana syntax and asks for the plain reference (formats ignored)', () => {
    const refs = scanVariables('a $x b ${y} c ${z:csv} d [[w]] e ${f.path}');
    expect(refs.map((r) => [r.text, r.name, r.ref])).toEqual([
      ['$x', 'x', '${x}'],
      ['${y}', 'y', '${y}'],
      ['${z:csv}', 'z', '${z}'],
      ['[[w]]', 'w', '${w}'],
      ['${f.path}', 'f', '${f.path}'],
    ]);
    expect(refs[0]).toMatchObject({ start: 2, end: 4 });
  });
});

describe('resolveVariable', () => {
  const ctx = buildCtx({ vars: { one: 'a', many: ['a', 'b', 'a'], all: null, none: [] } });
  const resolve = (text: string) => resolveVariable(scanVariables(text)[0]!, ctx);

  it('gives values, all, or unresolved', () => {
    expect(resolve('$one')).toEqual({ kind: 'values', values: ['a'] });
    expect(resolve('$many')).toEqual({ kind: 'values', values: ['a', 'b'] });
    expect(resolve('$all')).toEqual({ kind: 'all' });
    // Nothing selected behaves like All (documented): no condition rather than no data.
    expect(resolve('$none')).toEqual({ kind: 'all' });
    expect(resolve('$unknown')).toEqual({ kind: 'unresolved' });
  });

  it('splits text into parts', () => {
    expect(templateParts('svc-$one!', ctx).map((p) => p.kind)).toEqual(['text', 'var', 'text']);
  });
});
