import type { CellSnapshot } from './bucket-table';
import type { DeployEvent } from './deploys';
import type { ExemplarTable } from './exemplars';
import type { DeployTracker } from './deploys';

/** Everything a {@link CostEngine} needs to continue after a restart, as of one WAL sequence number. */
export interface EngineSnapshot {
  version: 1;
  nowMs: number;
  cells: CellSnapshot[];
  exemplars: ReturnType<ExemplarTable['snapshot']>;
  deploys: ReturnType<DeployTracker['snapshot']>;
  pendingEvents: DeployEvent[];
  /** Per-stream metric state of the SKU rules (cumulative → delta, gauge integration). */
  skus: unknown;
  /** The dedupe window's own compact encoding. */
  dedupe: Uint8Array;
}

/**
 * `[u32 LE length of JSON][JSON of everything but dedupe][dedupe bytes]`. JSON keeps the checkpoint
 * readable when debugging; the dedupe keys are already a compact binary table.
 */
export function encodeSnapshot(s: EngineSnapshot): Uint8Array {
  const { dedupe, ...rest } = s;
  const json = Buffer.from(JSON.stringify(rest), 'utf8');
  const out = Buffer.allocUnsafe(4 + json.length + dedupe.length);
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  Buffer.from(dedupe.buffer, dedupe.byteOffset, dedupe.byteLength).copy(out, 4 + json.length);
  return out;
}

/** Inverse of {@link encodeSnapshot}; throws naming what is wrong with a damaged snapshot. */
export function decodeSnapshot(bytes: Uint8Array): EngineSnapshot {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4) throw new Error(`engine snapshot: ${buf.length} bytes is too short`);
  const n = buf.readUInt32LE(0);
  if (4 + n > buf.length)
    throw new Error(`engine snapshot: JSON length ${n} exceeds the ${buf.length}-byte snapshot`);
  const rest = JSON.parse(buf.subarray(4, 4 + n).toString('utf8')) as Omit<EngineSnapshot, 'dedupe'>;
  if (rest.version !== 1) throw new Error(`engine snapshot: unsupported version ${String(rest.version)}`);
  return { ...rest, dedupe: new Uint8Array(buf.subarray(4 + n)) };
}
