/**
 * The anomaly panel's options (saved in the dashboard JSON) and their defaults.
 *
 * @packageDocumentation
 */

/** Options of `meterline-anomaly-panel`, as the dashboard saves them. */
export interface AnomalyOptions {
  /**
   * Score from which a bucket counts as anomalous, in [0, 1]. Score cells at or above it are highlighted,
   * anomaly events whose score is below it are hidden. 0.9 is the `meterline-cost-anomaly` alert rule's.
   */
  threshold: number;
  /** Whether the expected band (`lower`…`upper`) is drawn behind the actual spend. */
  showBand: boolean;
  /**
   * The series shown when the frames hold several (one per team, service or tenant and currency): its key,
   * e.g. `currency=USD,service=checkout` (see `seriesKey` in model.ts). Empty: the series with the highest
   * score, the one an on-call engineer looks at first.
   */
  series: string;
  /** Whether deploys (from annotations and the events table) are drawn as markers. */
  showDeploys: boolean;
  /**
   * Where "Open deploy" goes: a URL with `${deploy.service}`, `${deploy.version}`,
   * `${deploy.previous_version}`, `${deploy.time}`, `${deploy.from}`, `${deploy.to}` (epoch ms) and dashboard
   * variables. Empty: this dashboard, zoomed to the half hour around the deploy.
   */
  deployLinkTemplate: string;
}

/** Defaults of a new panel (and of options a saved panel lacks). */
export const DEFAULT_OPTIONS: AnomalyOptions = {
  threshold: 0.9,
  showBand: true,
  series: '',
  showDeploys: true,
  deployLinkTemplate: '',
};
