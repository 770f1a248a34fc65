/**
 * The InfluxDB store Meterline writes to and reads from, chosen from the `influx` section of
 * `meterline.yaml`: the v2 write API when `org`, `bucket` and `token` are all set (InfluxDB 2.x/3.x),
 * otherwise the v1 API. Queries always go through the v1 `/query` endpoint (InfluxQL), which 1.x serves
 * natively and 2.x/3.x serve for compatibility (with the token as credentials).
 *
 * @packageDocumentation
 */
import type { InfluxConfig } from '@meterline/cost-model';
import type { Precision } from './line-protocol';
import type { StatementResult } from './query-result';
import type { RetryOptions } from './retry';
import { V1Client, type QueryOptions } from './v1-client';
import { V2Writer } from './v2-writer';

/** Where Meterline's points go and where its InfluxQL runs. */
export interface InfluxStore {
  /** `v1` (database) or `v2` (org/bucket/token). */
  readonly mode: 'v1' | 'v2';
  /** Checks the server answers `/ping`. */
  ping(): Promise<{ version: string }>;
  /** Pings, and on v1 creates the database (and retention policy, made default) if missing. */
  ensureReady(): Promise<void>;
  /** Writes line-protocol lines with the store's precision (default `ms`), in batches, with retries. */
  write(lines: readonly string[]): Promise<void>;
  /** Runs InfluxQL against the configured database; statement errors are thrown. */
  query(q: string, opts?: QueryOptions): Promise<StatementResult[]>;
  /** Finishes pending writes and releases resources. */
  close(): Promise<void>;
}

/** Knobs not in `meterline.yaml` (tests, tuning). */
export interface InfluxStoreOptions {
  precision?: Precision;
  retry?: RetryOptions;
  gzip?: boolean;
}

/** Whether `config` selects the v2 write path (org, bucket and token all set). */
export function usesV2(config: InfluxConfig): boolean {
  return Boolean(config.org && config.bucket && config.token);
}

/**
 * Creates the store for `config`.
 *
 * @throws TypeError naming the missing key when neither a v1 `database` nor a complete v2
 *   `org`/`bucket`/`token` is configured.
 */
export function createInfluxStore(config: InfluxConfig, options: InfluxStoreOptions = {}): InfluxStore {
  const v2 = usesV2(config);
  if (!v2 && !config.database) {
    const partial = ['org', 'bucket', 'token'].filter((k) => config[k as 'org' | 'bucket' | 'token']);
    throw new TypeError(
      partial.length > 0
        ? `influx: v2 needs org, bucket and token; only ${partial.join(', ')} set (or set influx.database for v1)`
        : 'influx: set influx.database (v1) or influx.org, influx.bucket and influx.token (v2/v3)',
    );
  }
  const client = new V1Client({
    url: config.url,
    database: config.database ?? config.bucket,
    retentionPolicy: config.retentionPolicy,
    username: config.username,
    password: config.password,
    token: v2 ? config.token : undefined,
    batchSize: config.batchSize,
    timeoutMs: config.timeoutMs,
    gzip: options.gzip,
    retry: options.retry,
  });
  const precision = options.precision;
  if (v2) {
    const writer = new V2Writer({
      url: config.url,
      org: config.org as string,
      bucket: config.bucket as string,
      token: config.token as string,
      precision,
      batchSize: config.batchSize,
      timeoutMs: config.timeoutMs,
      retry: options.retry,
    });
    return {
      mode: 'v2',
      ping: () => client.ping(),
      ensureReady: async () => {
        await client.ping();
      },
      write: (lines) => writer.write(lines),
      query: (q, opts) => client.query(q, opts),
      close: () => writer.close(),
    };
  }
  return {
    mode: 'v1',
    ping: () => client.ping(),
    ensureReady: async () => {
      await client.ping();
      await client.ensureDatabase(config.database as string, config.retentionPolicy);
    },
    write: (lines) => client.write(lines, { precision }),
    query: (q, opts) => client.query(q, opts),
    close: async () => undefined,
  };
}
