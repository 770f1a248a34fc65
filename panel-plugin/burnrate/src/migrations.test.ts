import {
  isV0Options,
  migrateOptions,
  normalizeOptions,
  predatesCurrentShape,
  shouldMigrate,
} from './migrations';
import { DEFAULT_OPTIONS, type Options } from './types';

describe('option migration: v0 → current', () => {
  it('windows from the comma list, the one threshold as every window’s page threshold', () => {
    const migrated = migrateOptions({
      options: { showWindows: '1h, 6h,2h', threshold: 10, compact: true },
      pluginVersion: '0.0.3',
    });
    expect(migrated).toEqual<Options>({
      windows: ['1h', '6h'], // 2h is no window; order is the signals' order
      thresholds: {
        '5m': { ticket: 1, page: 10 },
        '1h': { ticket: 1, page: 10 },
        '6h': { ticket: 1, page: 10 },
        '1d': { ticket: 1, page: 10 },
        '3d': { ticket: 1, page: 10 },
      },
      sortBy: 'burn',
      layout: 'compact',
      showProjection: true,
    });
  });

  it('the brief’s example shape, without a version (pasted JSON): detected by shape', () => {
    const panel = { options: { showWindows: '1h,6h', threshold: 14.4 } };
    expect(shouldMigrate(panel)).toBe(true);
    const migrated = migrateOptions(panel);
    expect(migrated.windows).toEqual(['1h', '6h']);
    expect(migrated.thresholds['1h']).toEqual({ ticket: 1, page: 14.4 });
    expect(migrated.layout).toBe('auto');
  });

  it('unusable v0 values fall back to the defaults', () => {
    const migrated = migrateOptions({ options: { showWindows: 'weekly', threshold: -1 } });
    expect(migrated.windows).toEqual(DEFAULT_OPTIONS.windows);
    expect(migrated.thresholds).toEqual(DEFAULT_OPTIONS.thresholds);
  });

  it('a 0.0.x panel saved with no options at all gets the defaults', () => {
    expect(migrateOptions({ options: {}, pluginVersion: '0.0.1' })).toEqual(DEFAULT_OPTIONS);
  });
});

describe('current options', () => {
  it('are not v0, and migrate to themselves', () => {
    const current: Options = {
      ...DEFAULT_OPTIONS,
      windows: ['5m', '1h'],
      sortBy: 'name',
      thresholds: { ...DEFAULT_OPTIONS.thresholds, '1h': { ticket: 2, page: 20 } },
    };
    expect(isV0Options(current)).toBe(false);
    expect(shouldMigrate({ options: current })).toBe(false);
    expect(migrateOptions({ options: current, pluginVersion: '0.1.0' })).toEqual(current);
  });

  it('normalizeOptions fills what is missing and drops what is malformed', () => {
    const o = normalizeOptions({
      windows: ['3d', 'bogus', '5m'],
      thresholds: { '1h': { page: 'x', ticket: 3 } },
      sortBy: 'random',
      layout: 'full',
    });
    expect(o.windows).toEqual(['5m', '3d']);
    expect(o.thresholds['1h']).toEqual({ ticket: 3, page: 14.4 });
    expect(o.thresholds['6h']).toEqual({ ticket: 1, page: 14.4 });
    expect(o.sortBy).toBe('burn');
    expect(o.layout).toBe('full');
    expect(o.showProjection).toBe(true);
    expect(normalizeOptions(null)).toEqual(DEFAULT_OPTIONS);
  });
});

describe('predatesCurrentShape', () => {
  it('is true for 0.0.x versions only', () => {
    expect(predatesCurrentShape('0.0.9')).toBe(true);
    expect(predatesCurrentShape('0.1.0')).toBe(false);
    expect(predatesCurrentShape('1.0.0')).toBe(false);
    expect(predatesCurrentShape(undefined)).toBe(false);
    expect(predatesCurrentShape('')).toBe(false);
  });
});
