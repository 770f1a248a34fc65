import { gaussian, prng } from './synthetic';
import { RobustScale } from './scale';

describe('RobustScale', () => {
  const normal = gaussian(prng(1));

  function calibrated(sigma: number): RobustScale {
    const s = new RobustScale(0.99, 0.05, 0.001);
    for (let i = 0; i < 500; i++) s.calibrate(sigma * normal());
    s.finishCalibration();
    return s;
  }

  it('measures a Gaussian σ on each side, and tracks a lasting change of the noise', () => {
    const s = calibrated(0.1);
    expect(s.up).toBeGreaterThan(0.08);
    expect(s.up).toBeLessThan(0.12);
    expect(s.down).toBeGreaterThan(0.08);
    expect(s.down).toBeLessThan(0.12);
    for (let i = 0; i < 5000; i++) s.observe(0.2 * normal(), 1);
    expect(s.up).toBeGreaterThan(0.16);
    expect(s.up).toBeLessThan(0.24);
  });

  it('moves a bounded amount per outlier, however large', () => {
    const s = calibrated(0.1);
    const before = s.up;
    s.observe(1e6, 1);
    expect(s.up / before).toBeLessThan(1.15);
  });

  it('stops learning the spreads while residuals drift to one side (a leak), so the band stays put', () => {
    const s = calibrated(0.1);
    const before = s.up;
    for (let i = 0; i < 200; i++) s.observe(0.25 + 0.1 * normal(), 1);
    expect(s.isDrifting).toBe(true);
    expect(s.up / before).toBeLessThan(1.5);
  });

  it('is asymmetric for skewed residuals (sparse bursts above, a floor below)', () => {
    const s = new RobustScale(0.99, 0.05, 0.02);
    const u = prng(2);
    for (let i = 0; i < 500; i++) s.calibrate(u() < 0.1 ? 1 + u() : 0);
    s.finishCalibration();
    expect(s.up).toBeGreaterThan(0.5);
    expect(s.down).toBe(0.02);
  });
});
