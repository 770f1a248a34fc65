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
export class GaugeIntegrator {
  private readonly streams = new Map<string, GaugeState>();

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

  /** Number of streams tracked. */
  get size(): number {
    return this.streams.size;
  }

  /** Forgets streams whose latest point is before `timeMs`. */
  evictIdle(timeMs: number): number {
    let evicted = 0;
    for (const [key, state] of this.streams) {
      if (state.timeMs < timeMs) {
        this.streams.delete(key);
        evicted++;
      }
    }
    return evicted;
  }

  /** The per-stream state, for a checkpoint (plain data, JSON-safe). */
  snapshot(): [string, GaugeState][] {
    return [...this.streams].map(([k, v]) => [k, { ...v }]);
  }

  /** Replaces the state with a {@link snapshot}. */
  restore(entries: readonly (readonly [string, GaugeState])[]): void {
    this.streams.clear();
    for (const [k, v] of entries) this.streams.set(k, { ...v });
  }
}
