/**
 * Per-stream state keyed by stream identity, shared by the metric converters that need the previous point
 * of a stream (cumulative → delta, gauge integration): bounded by evicting idle streams, and
 * checkpointable as plain data.
 *
 * @packageDocumentation
 */

/** What every stream state has: the time of its latest point. */
export interface TimedState {
  timeMs: number;
}

/** A table of stream states; subclasses add the conversion that reads and updates them. */
export abstract class StreamTable<S extends TimedState> {
  protected readonly streams = new Map<string, S>();

  /** Number of streams tracked. */
  get size(): number {
    return this.streams.size;
  }

  /** Forgets streams whose latest point is before `timeMs` (bounds memory for churned streams). */
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
  snapshot(): [string, S][] {
    return [...this.streams].map(([k, v]) => [k, { ...v }]);
  }

  /** Replaces the state with a {@link snapshot}. */
  restore(entries: readonly (readonly [string, S])[]): void {
    this.streams.clear();
    for (const [k, v] of entries) this.streams.set(k, { ...v });
  }
}
