/**
 * The demo's `meterline.yaml`: the base configuration (`--config`, default `examples/meterline.yaml`: its
 * catalog, SKU rules, attribution and reconciliation settings, comments kept) with the sections the demo
 * owns replaced — `influx` (the demo's database), `forward` (nowhere: there is no Tempo), `serve` (a lateness
 * window that takes the replayed hour in its own minutes, a fast flush), `signals` (the loop on, every
 * minute) and `budgets` (sized so the story burns them).
 *
 * @packageDocumentation
 */
import { parseDocument } from 'yaml';
import type { SizedBudget } from './history';

/** What the demo puts into the base configuration. */
export interface DemoConfigOptions {
  influxUrl: string;
  database: string;
  walDir: string;
  /** Budgets (none yet for the calibration). */
  budgets: readonly SizedBudget[];
  /** Where the base came from, for the header comment. */
  basePath: string;
}

/** serve's lateness window in the demo: the replayed story (at most an hour old) lands in its own minutes. */
export const DEMO_LATENESS_MS = 2 * 3_600_000;

/** The demo config as YAML text (validate it with `loadConfig` after writing). */
export function demoConfigYaml(baseText: string, o: DemoConfigOptions): string {
  const doc = parseDocument(baseText);
  if (doc.errors.length > 0) throw new Error(`${o.basePath}: ${doc.errors[0]!.message}`);
  doc.set('budgets', [
    ...o.budgets.map((b) => ({
      name: b.name,
      scope: b.scope,
      amount: b.amount,
      currency: b.currency,
      period: 'month',
      timezone: 'UTC',
    })),
  ]);
  doc.set('influx', { url: o.influxUrl, database: o.database, batchSize: 5000, timeoutMs: 10_000 });
  doc.set('forward', []);
  doc.set('serve', {
    listen: '127.0.0.1:0',
    walDir: o.walDir,
    latenessMs: DEMO_LATENESS_MS,
    flushIntervalMs: 1000,
    checkpointIntervalMs: 30_000,
  });
  doc.set('signals', {
    enabled: true,
    intervalMs: 60_000,
    anomaly: { bucket: '5m', lookbackDays: 14, threshold: 0.9, maxSeries: 500 },
    deployLookbackMs: 7_200_000,
  });
  doc.commentBefore =
    ` Written by meterline demo from ${o.basePath}: its catalog, SKU rules, attribution and reconcile\n` +
    " settings, with the demo's budgets, InfluxDB database, serve and signals settings (no forwarding).\n" +
    (doc.commentBefore ? `\n${doc.commentBefore}` : '');
  return doc.toString({ lineWidth: 0 });
}
