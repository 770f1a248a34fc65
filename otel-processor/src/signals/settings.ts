/**
 * The `signals` section with its defaults applied (the section is optional in `meterline.yaml`).
 *
 * @packageDocumentation
 */
import { CONFIG_DEFAULTS, type MeterlineConfig, type SignalsConfig } from '@meterline/cost-model';

/**
 * The signals settings of `config`. Without a `signals` section the defaults apply, and the loop inside
 * `meterline serve` runs only when budgets are configured: then someone asked for burn-rate alerting,
 * whereas a bare ingest setup should not start reading weeks of history from InfluxDB every minute
 * unasked. Writing the section (even `signals: {}`) turns it on; `enabled: false` turns it off.
 * `meterline signals` evaluates whatever `enabled` says.
 */
export function signalsSettings(config: MeterlineConfig): SignalsConfig {
  if (config.signals !== undefined) return config.signals;
  const d = CONFIG_DEFAULTS.signals;
  return {
    enabled: config.budgets.length > 0,
    intervalMs: d.intervalMs,
    anomaly: { ...d.anomaly },
    deployLookbackMs: d.deployLookbackMs,
  };
}
