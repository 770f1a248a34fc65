/**
 * One reconciliation over a time range: read both sides from InfluxDB, compare them with cost-model's
 * {@link computeDrift}. Shared by `meterline reconcile` and the reconciliation section of `meterline report`.
 *
 * @packageDocumentation
 */
import {
  CONFIG_DEFAULTS,
  ExchangeRates,
  computeDrift,
  type DriftReport,
  type MeterlineConfig,
  type ReconcileConfig,
} from '@meterline/cost-model';
import type { InfluxStore } from '../influx/store';
import { queryDriftInputs, type TimeRange } from './query';

/** The `reconcile` section with its defaults applied (the section is optional in `meterline.yaml`). */
export function reconcileSettings(config: MeterlineConfig): ReconcileConfig {
  return {
    threshold: config.reconcile?.threshold ?? CONFIG_DEFAULTS.reconcile.threshold,
    charges: config.reconcile?.charges ?? [...CONFIG_DEFAULTS.reconcile.charges],
    accounts: config.reconcile?.accounts ?? [],
  };
}

/**
 * Reads per-day sums over `range` and computes the drift rows.
 *
 * @param threshold overrides `reconcile.threshold` (the `--threshold` option).
 * @throws CurrencyConversionError when a row mixes currencies the catalog has no rate for.
 */
export async function reconcileRange(
  store: InfluxStore,
  config: MeterlineConfig,
  range: TimeRange,
  threshold?: string,
): Promise<DriftReport> {
  const settings = reconcileSettings(config);
  const { billed, modelled } = await queryDriftInputs(store, range, settings.accounts);
  return computeDrift(billed, modelled, {
    threshold: threshold ?? settings.threshold,
    charges: settings.charges,
    accounts: settings.accounts,
    rates: new ExchangeRates(config.catalog.baseCurrency, config.catalog.exchangeRates),
  });
}
