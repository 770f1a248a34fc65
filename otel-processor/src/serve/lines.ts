import type { RollupRow } from '@meterline/cost-model';
import { encodeCostPoints } from '../influx/cost-points';
import { encodeLine, int, sanitizeTagValue } from '../influx/line-protocol';
import type { DeployEvent } from '../engine/deploys';
import type { LineEncoder } from '../engine/cost-engine';
import type { Exemplar } from '../engine/exemplars';

/** `meterline serve` writes with nanosecond precision: exemplars keep their span's exact end time. */
export const SERVE_PRECISION = 'ns' as const;

/** Tag values come from telemetry: map what line protocol cannot carry instead of failing the batch. */
function tag(value: string): string {
  return sanitizeTagValue(value);
}

/**
 * Encodes the engine's outputs per the InfluxDB data contract (ARCHITECTURE.md): `cost`,
 * `cost_exemplar` (trace and span ids are fields, never tags) and `cost_event` (`kind=deploy`).
 */
export const serveLines: LineEncoder = {
  cost(rows: RollupRow[]): string[] {
    return encodeCostPoints(rows, SERVE_PRECISION);
  },
  exemplars(exemplars: Exemplar[]): string[] {
    return exemplars.map((e) =>
      encodeLine(
        {
          measurement: 'cost_exemplar',
          tags: { service: tag(e.service), tenant: tag(e.tenant), sku: tag(e.sku) },
          fields: { trace_id: e.traceId, span_id: e.spanId, amount_nano: int(e.amountNano) },
          time: BigInt(e.endNs),
        },
        SERVE_PRECISION,
      ),
    );
  },
  deploys(events: DeployEvent[]): string[] {
    return events.map((e) =>
      encodeLine(
        {
          measurement: 'cost_event',
          tags: { kind: 'deploy', service: tag(e.service), team: tag(e.team), env: tag(e.env) },
          fields: {
            title: `${e.service} ${e.previousVersion} → ${e.version}`,
            text: `deploy of ${e.service}${e.env ? ` in ${e.env}` : ''}: ${e.previousVersion} → ${e.version}, seen in telemetry`,
            version: e.version,
            previous_version: e.previousVersion,
          },
          time: BigInt(Math.floor(e.timeMs)) * 1_000_000n,
        },
        SERVE_PRECISION,
      ),
    );
  },
};

/** The `cost_signal` point for ingest lag (seconds the oldest unconfirmed data has waited). */
export function ingestLagLine(lagSeconds: number, timeMs: number): string {
  return encodeLine(
    {
      measurement: 'cost_signal',
      tags: { signal: 'ingest_lag_s', window: 'instant' },
      fields: { value: lagSeconds },
      time: BigInt(Math.floor(timeMs)) * 1_000_000n,
    },
    SERVE_PRECISION,
  );
}
