/**
 * A real, private `influxd` for one test file: the launcher Meterline's demo uses
 * (`otel-processor/src/influx/local-influxd.ts`: own temp dir, free loopback ports, everything but HTTP
 * off) plus the test's own raw view of the server (uncompressed writes, plain InfluxQL, no retries), so
 * assertions never go through the code under test.
 */
import {
  INFLUXDB_INSTALL_COMMAND,
  findInfluxd,
  startLocalInfluxd,
  type LocalInfluxd,
  type LocalInfluxdOptions,
} from '../../otel-processor/src/influx/local-influxd';

export { INFLUXDB_INSTALL_COMMAND, findInfluxd };
export type StartInfluxOptions = LocalInfluxdOptions;

/** A running private InfluxDB with the test's helpers. */
export interface InfluxInstance extends LocalInfluxd {
  /** Runs InfluxQL (`POST /query`) and returns the parsed JSON; throws on HTTP or statement errors. */
  query(q: string, db?: string): Promise<QueryJson>;
  /** `CREATE DATABASE "<name>"`. */
  createDatabase(name: string): Promise<void>;
  /** Writes raw line protocol (uncompressed, no retries: the test's own view of the server). */
  write(db: string, lines: readonly string[], precision?: 'ns' | 'us' | 'ms' | 's'): Promise<void>;
}

/** The JSON `/query` returns. */
export interface QueryJson {
  results: {
    statement_id: number;
    error?: string;
    series?: { name?: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[];
  }[];
}

/**
 * Starts a private influxd and resolves once `/ping` answers 204.
 *
 * @throws Error with the install command when `influxd` is missing; with the tail of influxd's output when
 *   it exits early or does not answer within the timeout.
 */
export async function startInfluxDB(opts: StartInfluxOptions = {}): Promise<InfluxInstance> {
  const server = await startLocalInfluxd(opts);
  const url = server.url;
  const query = async (q: string, db?: string): Promise<QueryJson> => {
    const params = new URLSearchParams({ q });
    if (db !== undefined) params.set('db', db);
    const res = await fetch(`${url}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: params.toString(),
    });
    const text = await res.text();
    let json: QueryJson & { error?: string };
    try {
      json = JSON.parse(text) as QueryJson & { error?: string };
    } catch {
      throw new Error(`influx test query ${JSON.stringify(q)}: HTTP ${res.status}: ${text}`);
    }
    const err = json.error ?? json.results?.find((r) => r.error !== undefined)?.error;
    if (!res.ok || err !== undefined)
      throw new Error(`influx test query ${JSON.stringify(q)}: HTTP ${res.status}: ${err ?? text}`);
    return json;
  };

  return Object.assign(server, {
    query,
    createDatabase: async (name: string) => {
      await query(`CREATE DATABASE "${name.replace(/[\\"]/g, '\\$&')}"`);
    },
    write: async (db: string, lines: readonly string[], precision: 'ns' | 'us' | 'ms' | 's' = 'ms') => {
      const res = await fetch(`${url}/write?${new URLSearchParams({ db, precision })}`, {
        method: 'POST',
        body: lines.join('\n'),
      });
      if (res.status !== 204)
        throw new Error(`influx test write to ${db}: HTTP ${res.status}: ${await res.text()}`);
    },
  });
}
