import { GaugeIntegrator } from './gauge-integral';

describe('GaugeIntegrator', () => {
  it('integrates value × seconds since the previous point of the stream', () => {
    const g = new GaugeIntegrator();
    expect(g.next('mem', 0, 2e9)).toBeUndefined();
    expect(g.next('mem', 60_000, 2e9)).toBe(120e9); // 2 GB for 60 s
    expect(g.next('mem', 90_000, 4e9)).toBe(120e9); // 4 GB for 30 s
  });

  it('ignores duplicates and out-of-order points', () => {
    const g = new GaugeIntegrator();
    g.next('m', 1000, 1);
    expect(g.next('m', 1000, 5)).toBeUndefined();
    expect(g.next('m', 500, 5)).toBeUndefined();
    expect(g.next('m', 3000, 1)).toBe(2);
  });
});
