import { isV0, migrateOptions, migrationHandler, normaliseThreshold } from './migrations';
import { DEFAULT_OPTIONS } from './types';

describe('migrations', () => {
  it('v0 options ({ threshold, band, seriesKey, deployUrl }) become today’s', () => {
    const v0 = { threshold: 0.9, band: true };
    expect(isV0(v0)).toBe(true);
    expect(migrateOptions(v0)).toEqual({
      threshold: 0.9,
      showBand: true,
      series: '',
      showDeploys: true,
      deployLinkTemplate: '',
    });
    expect(
      migrateOptions({
        threshold: '95',
        band: false,
        seriesKey: 'currency=USD,service=checkout',
        deployUrl: 'https://ci.example.com/$service/releases/${version}?from=$previous&x=$services',
      }),
    ).toEqual({
      threshold: 0.95,
      showBand: false,
      series: 'currency=USD,service=checkout',
      showDeploys: true,
      deployLinkTemplate:
        'https://ci.example.com/${deploy.service}/releases/${deploy.version}?from=${deploy.previous_version}&x=$services',
    });
  });

  it('through Grafana’s handler, with the saved panel', () => {
    const migrated = migrationHandler({
      id: 3,
      type: 'meterline-anomaly-panel',
      // What a v0 dashboard saved (not today's type: that is the point).
      options: { threshold: 0.8, band: false } as never,
      fieldConfig: { defaults: {}, overrides: [] },
      pluginVersion: '0.0.3',
    });
    expect(migrated).toMatchObject({ threshold: 0.8, showBand: false });
  });

  it('current options are kept; missing or broken ones get defaults', () => {
    const current = {
      threshold: 0.75,
      showBand: false,
      series: 'x',
      showDeploys: false,
      deployLinkTemplate: '/d/a',
    };
    expect(isV0(current)).toBe(false);
    expect(migrateOptions(current)).toEqual(current);
    expect(migrateOptions(undefined)).toEqual(DEFAULT_OPTIONS);
    expect(migrateOptions({ threshold: 'high', showBand: 'yes' })).toEqual(DEFAULT_OPTIONS);
  });

  it('thresholds: fractions kept, percentages divided, nonsense is the default', () => {
    expect(normaliseThreshold(0)).toBe(0);
    expect(normaliseThreshold(1)).toBe(1);
    expect(normaliseThreshold(' 0.5 ')).toBe(0.5);
    expect(normaliseThreshold(90)).toBe(0.9);
    expect(normaliseThreshold(-1)).toBe(0.9);
    expect(normaliseThreshold(250)).toBe(0.9);
    expect(normaliseThreshold(Number.NaN)).toBe(0.9);
    expect(normaliseThreshold('')).toBe(0.9);
  });
});
