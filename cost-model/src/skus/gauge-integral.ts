import { StreamTable } from './stream-table';

/** What is remembered per gauge stream (also the shape stored in a checkpoint). */
export interface GaugeState {
  timeMs: number;
}

/**
 * Integrates a gauge over time, per stream: each point contributes `value × seconds since the previous point`
 * of its stream (the value observed at a point stands for the interval that ends there). The first point of
 * a stream yields nothing; a point at or before the stream's latest time (duplicate, out of order) yields
 * nothing and leaves the state unchanged.
 */
export class GaugeIntegrator extends StreamTable<GaugeState> {
  /** Feeds one gauge point; returns value × seconds, or undefined for a first/duplicate/out-of-order point. */
  next(streamKey: string, timeMs: number, value: number): number | undefined {
    const state = this.streams.get(streamKey);
    if (state === undefined) {
      this.streams.set(streamKey, { timeMs });
      return undefined;
    }
    if (timeMs <= state.timeMs) return undefined;
    const seconds = (timeMs - state.timeMs) / 1000;
    state.timeMs = timeMs;
    return value * seconds;
  }
}
