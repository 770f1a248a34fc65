import { StreamTable } from './stream-table';

/** What is remembered per cumulative stream (also the shape stored in a checkpoint). */
export interface StreamState {
  startTimeMs: number;
  timeMs: number;
  value: number;
  /** Histograms: the cumulative sum beside the cumulative count in `value`. */
  sum?: number;
}

/**
 * Turns cumulative points into deltas, per stream, with reset detection.
 *
 * Rules (stated once):
 * - The first point of a stream is a baseline and yields nothing (`undefined`): without an earlier point we
 *   cannot tell how much of its value was already counted before we started watching.
 * - A point at or before the stream's latest time (a duplicate or out-of-order point) yields nothing and
 *   leaves the state unchanged, so retries never double count.
 * - A reset — the value drops, or the start time changes — yields the new value as the delta (the counter
 *   restarted from zero at its new start) with `reset: true`.
 * - Otherwise the delta is `value − previous value`.
 */
export class CumulativeToDelta extends StreamTable<StreamState> {
  /** Feeds one cumulative point; returns its delta, or undefined for a baseline/duplicate/out-of-order point. */
  next(
    streamKey: string,
    startTimeMs: number,
    timeMs: number,
    value: number,
  ): { delta: number; reset: boolean } | undefined {
    const state = this.streams.get(streamKey);
    if (state === undefined) {
      this.streams.set(streamKey, { startTimeMs, timeMs, value });
      return undefined;
    }
    if (timeMs <= state.timeMs) return undefined;
    const reset = startTimeMs !== state.startTimeMs || value < state.value;
    const delta = reset ? value : value - state.value;
    state.startTimeMs = startTimeMs;
    state.timeMs = timeMs;
    state.value = value;
    return { delta, reset };
  }

  /**
   * Like {@link next} for a cumulative histogram's `count` and `sum`, which reset together: a reset is a start
   * time change or a count drop (the count is monotonic; a sum of negative observations may legitimately fall).
   */
  nextHistogram(
    streamKey: string,
    startTimeMs: number,
    timeMs: number,
    count: number,
    sum: number,
  ): { count: number; sum: number; reset: boolean } | undefined {
    const state = this.streams.get(streamKey);
    if (state === undefined) {
      this.streams.set(streamKey, { startTimeMs, timeMs, value: count, sum });
      return undefined;
    }
    if (timeMs <= state.timeMs) return undefined;
    const reset = startTimeMs !== state.startTimeMs || count < state.value;
    const out = reset
      ? { count, sum, reset }
      : { count: count - state.value, sum: sum - (state.sum ?? 0), reset };
    state.startTimeMs = startTimeMs;
    state.timeMs = timeMs;
    state.value = count;
    state.sum = sum;
    return out;
  }
}
