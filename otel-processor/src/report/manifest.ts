/**
 * `manifest.json`: what a report was made from, so it can be audited and reproduced: Meterline's version,
 * the period and its exact time range, the grouping, the catalog version (SHA-256 of its canonical JSON and
 * its price version ids), the provider files the period rests on, the InfluxDB target (URL and
 * database/bucket only: credentials never appear), row counts and the SHA-256 of every file written.
 *
 * No generation timestamp, host or user: the same data and configuration give byte-identical files.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { Catalog, type CatalogConfig, type InfluxConfig, type ReconcileConfig } from '@meterline/cost-model';
import { safeUrl } from '../reconcile/command-io';
import type { TimeRange } from '../reconcile/query';
import { isoInstant } from './line-items';
import type { ReportPeriod } from './period';
import type { ReportDimension } from './summary';

/** Manifest format version (bump when fields change meaning). */
export const MANIFEST_FORMAT = 1;

/** Lower-case hex SHA-256. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Canonical JSON: object keys sorted (code-unit order), no whitespace, `undefined` members left out,
 * bigints as decimal strings. Equal values always give equal text, whatever their key order.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return JSON.stringify(value.toString());
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** Every price version id of the catalog (the labels line items carry), ordered by SKU then effective date. */
export function catalogPriceVersions(catalog: CatalogConfig): string[] {
  const priced = new Catalog(catalog);
  return catalog.skus.flatMap((sku) =>
    [...sku.prices]
      .sort((a, b) => a.effectiveFrom - b.effectiveFrom)
      .map((p) => priced.priceAt(sku.id, p.effectiveFrom)!.version),
  );
}

/**
 * Where the data was read from, without secrets: the URL without user info, query or fragment (InfluxDB
 * 1.x also takes `?u=&p=`), and the database (v1) or bucket (v2/v3). Tokens, passwords, users and orgs are
 * left out.
 */
export function influxTarget(config: InfluxConfig): { url: string; database?: string; bucket?: string } {
  const url = safeUrl(config.url);
  return config.database !== undefined ? { url, database: config.database } : { url, bucket: config.bucket };
}

/** Everything the manifest states. */
export interface ManifestInput {
  meterlineVersion: string;
  period: ReportPeriod;
  by: ReportDimension;
  catalog: CatalogConfig;
  /** Price versions that line items of the period carry, sorted. */
  usedPriceVersions: string[];
  providerFiles: string[];
  influx: InfluxConfig;
  reconcile: ReconcileConfig;
  budgets: { name: string; windows: TimeRange[] }[];
  /** The report files written before the manifest, with their exact content. */
  files: { name: string; content: string; rows?: number }[];
  rowCounts: Record<string, number>;
}

/** The manifest as pretty-printed JSON text (two-space indent, trailing newline, fixed key order). */
export function manifestJson(input: ManifestInput): string {
  const manifest = {
    format: MANIFEST_FORMAT,
    meterline: { version: input.meterlineVersion },
    period: {
      label: input.period.label,
      from: isoInstant(input.period.fromMs),
      to: isoInstant(input.period.toMs),
      endExclusive: true,
      timeZone: 'UTC',
    },
    by: input.by,
    catalog: {
      sha256: sha256Hex(canonicalJson(input.catalog)),
      canonicalization: 'JSON, object keys sorted, no whitespace',
      baseCurrency: input.catalog.baseCurrency,
      priceVersions: catalogPriceVersions(input.catalog),
      usedPriceVersions: input.usedPriceVersions,
    },
    inputs: {
      influx: influxTarget(input.influx),
      measurements: ['cost', 'cost_exemplar', 'provider_cost'],
      providerFiles: input.providerFiles,
    },
    reconcile: {
      threshold: input.reconcile.threshold,
      charges: input.reconcile.charges,
      accounts: input.reconcile.accounts,
    },
    budgets: input.budgets.map((b) => ({
      name: b.name,
      periods: b.windows.map((w) => ({ from: isoInstant(w.fromMs), to: isoInstant(w.toMs) })),
    })),
    rowCounts: input.rowCounts,
    files: input.files.map((f) => ({
      name: f.name,
      sha256: sha256Hex(f.content),
      bytes: Buffer.byteLength(f.content, 'utf8'),
      ...(f.rows !== undefined ? { rows: f.rows } : {}),
    })),
  };
  return JSON.stringify(manifest, null, 2) + '\n';
}
