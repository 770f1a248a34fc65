import { normalQuantile, ScoreMap } from './score';

describe('ScoreMap', () => {
  const map = new ScoreMap(3, 1.5);

  it('is 0 at z = 0, 1 at infinity, and non-decreasing', () => {
    expect(map.score(0)).toBe(0);
    expect(map.score(-2)).toBe(0);
    expect(map.score(Infinity)).toBe(1);
    let previous = 0;
    for (let z = 0; z <= 20; z += 0.05) {
      const s = map.score(z);
      expect(s).toBeGreaterThanOrEqual(previous);
      expect(s).toBeLessThanOrEqual(1);
      previous = s;
    }
  });

  it('ties a score to a fixed number of robust scales: 0.9 at z ≈ 4.47, 0.95 at z = 5', () => {
    expect(map.zAt(0.9)).toBeCloseTo(4.47, 2);
    expect(map.score(map.zAt(0.9))).toBeCloseTo(0.9, 12);
    expect(map.score(5)).toBeCloseTo(0.952, 3);
    expect(map.score(3)).toBeCloseTo(0.494, 3);
  });
});

describe('normalQuantile', () => {
  it.each([
    [0.5, 0],
    [0.975, 1.959964],
    [0.99, 2.326348],
    [0.01, -2.326348],
    [0.001, -3.090232],
  ])('Φ⁻¹(%d) = %d', (p, z) => {
    expect(normalQuantile(p)).toBeCloseTo(z, 5);
  });

  it('rejects p outside (0, 1)', () => {
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});
