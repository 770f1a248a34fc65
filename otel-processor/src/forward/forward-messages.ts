import type { ForwardConfig } from '@meterline/cost-model';
import type { ForwardStats } from './otlp-forwarder';

/** What the forwarding thread is started with (`workerData`). */
export interface ForwardWorkerData {
  targets: readonly ForwardConfig[];
  maxQueueBytes?: number;
  maxAgeMs?: number;
  concurrency?: number;
}

/**
 * Main thread → forwarding thread. Byte arrays are transferred: the thread owns them (the main thread
 * hands over a buffer it no longer needs, or a copy).
 */
export type ToForwardWorker =
  /** An encoded OTLP protobuf body, forwarded as is. */
  | { t: 'encoded'; signal: 'traces' | 'metrics'; body: Uint8Array }
  /**
   * A protobuf traces body as received and the `cost.*` attributes of its spans in compact form (see
   * `engine/span-cost-records.ts`), to expand and splice in.
   */
  | {
      t: 'splice';
      body: Uint8Array;
      spans: number;
      ops: Float64Array;
      dict: Uint8Array;
      recvTimeMs: number;
    }
  | { t: 'close'; timeoutMs: number };

/** Forwarding thread → main thread. */
export type FromForwardWorker =
  /**
   * Counters so far, the bytes of messages taken off the channel since the last report, and the buffers of
   * the compact span records spliced since then, handed back for reuse (transferred).
   */
  | { t: 'stats'; stats: ForwardStats; takenBytes: number; recordBuffers: ArrayBuffer[] }
  | { t: 'log'; level: 'warn' | 'error'; obj: object; msg: string }
  | { t: 'closed'; ok: boolean; stats: ForwardStats };
