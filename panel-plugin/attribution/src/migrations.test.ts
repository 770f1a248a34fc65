import {
  isV0,
  migrateOptions,
  migrationHandler,
  mustacheToVariables,
  type AttributionOptionsV0,
} from './migrations';
import { DEFAULT_LINK_TEMPLATE, DEFAULT_OPTIONS, type AttributionOptions } from './types';

describe('migrateOptions', () => {
  it('v0 → current: rows become topN, the drill-down URL becomes a linked template with ${} variables', () => {
    const v0: AttributionOptionsV0 = {
      targetPercent: 5,
      rows: 10,
      drilldownUrl: '/d/meterline-debug?var-service={{service}}&var-sku={{ sku }}&var-region={{region}}',
    };
    expect(migrateOptions(v0)).toEqual<AttributionOptions>({
      targetPercent: 5,
      currency: '',
      showSparkline: true,
      topN: 10,
      linkRows: true,
      linkTemplate: '/d/meterline-debug?var-service=${service}&var-sku=${sku}&var-region=${region}',
    });
  });

  it('v0 with an empty URL: links off, the default template kept for later; string numbers read', () => {
    expect(migrateOptions({ targetPercent: '2.5', rows: '25', drilldownUrl: '' })).toEqual({
      ...DEFAULT_OPTIONS,
      targetPercent: 2.5,
      topN: 25,
      linkRows: false,
      linkTemplate: DEFAULT_LINK_TEMPLATE,
    });
  });

  it('v0 with values out of range: defaults instead', () => {
    expect(migrateOptions({ targetPercent: -1, rows: 0 })).toMatchObject({ targetPercent: 5, topN: 10 });
    expect(migrateOptions({ targetPercent: 'five', rows: 1e6 })).toMatchObject({
      targetPercent: 5,
      topN: 100,
    });
  });

  it('current options stay as they are (the handler runs again after each upgrade)', () => {
    const current: AttributionOptions = {
      targetPercent: 3,
      currency: 'EUR',
      showSparkline: false,
      topN: 7,
      linkRows: false,
      linkTemplate: '/d/x?s=${service}',
    };
    expect(migrateOptions(current)).toEqual(current);
    expect(migrateOptions(migrateOptions(current))).toEqual(current);
  });

  it('nothing saved, or garbage: the defaults; unknown keys dropped', () => {
    expect(migrateOptions(undefined)).toEqual(DEFAULT_OPTIONS);
    expect(migrateOptions(null)).toEqual(DEFAULT_OPTIONS);
    expect(migrateOptions('x')).toEqual(DEFAULT_OPTIONS);
    expect(migrateOptions({ legend: true, topN: 12.7, currency: ' gbp ' })).toEqual({
      ...DEFAULT_OPTIONS,
      topN: 12,
      currency: 'GBP',
    });
  });

  it('the handler migrates the panel model’s options', async () => {
    const out = await migrationHandler({
      id: 1,
      type: 'meterline-attribution-panel',
      options: { targetPercent: 4, rows: 3, drilldownUrl: '/d/a?s={{service}}' } as never,
      fieldConfig: { defaults: {}, overrides: [] },
      pluginVersion: '0.0.3',
    });
    expect(out).toMatchObject({
      targetPercent: 4,
      topN: 3,
      linkRows: true,
      linkTemplate: '/d/a?s=${service}',
    });
  });
});

describe('helpers', () => {
  it('isV0 by shape', () => {
    expect(isV0({ rows: 1 })).toBe(true);
    expect(isV0({ drilldownUrl: '' })).toBe(true);
    expect(isV0({ targetPercent: 5 })).toBe(false);
    expect(isV0(DEFAULT_OPTIONS)).toBe(false);
  });

  it('mustacheToVariables', () => {
    expect(mustacheToVariables('{{service}}/{{ sku }}/${region}/{{}}')).toBe(
      '${service}/${sku}/${region}/{{}}',
    );
  });
});
