/**
 * The periodic signals evaluation inside `meterline serve` (and `meterline signals` without `--once`).
 *
 * Runs once per evaluation interval, shortly after each interval boundary: `settleMs` after it, so the
 * service has flushed the minute that just ended. Never overlaps itself: the next run is scheduled only
 * when the current one has finished, at the next boundary still ahead (boundaries missed by a slow run are
 * skipped, not queued). A failed run is logged and the loop goes on; {@link SignalsLoop.stop} waits for a
 * run in progress and schedules nothing more.
 *
 * @packageDocumentation
 */
import type { MeterlineConfig } from '@meterline/cost-model';
import type { InfluxStore } from '../influx/store';
import type { SignalsLogger } from './anomaly';
import { runSignals } from './evaluate';
import { signalsSettings } from './settings';
import { alignDown } from './time';

/** Options of {@link SignalsLoop}. */
export interface SignalsLoopOptions {
  config: MeterlineConfig;
  /**
   * Where points are read from and written to: the loop's own store (it writes with ms precision), closed by
   * {@link SignalsLoop.stop}.
   */
  store: InfluxStore;
  logger: SignalsLogger & { error(obj: object, msg: string): void };
  /** Wall clock (tests). */
  now?: () => number;
  /** Delay after each interval boundary before evaluating, ms (default 5000, at most half the interval). */
  settleMs?: number;
  /** Whether the loop's timer keeps the process alive (default false: the host decides when to exit). */
  keepProcessAlive?: boolean;
}

/** What the loop has done. */
export interface SignalsLoopStats {
  runs: number;
  /** Runs in which some part (or everything) failed. */
  failures: number;
  lastAtMs?: number;
  lastPoints?: number;
  lastError?: string;
}

/** The periodic evaluation; see the module notes. */
export class SignalsLoop {
  readonly stats: SignalsLoopStats = { runs: 0, failures: 0 };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly settleMs: number;
  private readonly now: () => number;

  constructor(private readonly options: SignalsLoopOptions) {
    this.intervalMs = signalsSettings(options.config).intervalMs;
    this.settleMs = Math.min(options.settleMs ?? 5_000, Math.floor(this.intervalMs / 2));
    this.now = options.now ?? Date.now;
  }

  /** Schedules the first run (after the next interval boundary). */
  start(): void {
    this.schedule();
  }

  /** Stops scheduling, waits for a run in progress and closes the store. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.options.store.close();
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = this.now();
    const next = alignDown(now, this.intervalMs) + this.intervalMs + this.settleMs;
    // Still before this interval's settle point (just started): run at it rather than a whole interval on.
    const due = next - this.intervalMs > now ? next - this.intervalMs : next;
    this.timer = setTimeout(() => {
      // `running` lets stop() wait for this run; evaluate() never rejects.
      this.running = this.evaluate().then(() => {
        this.running = undefined;
        this.schedule();
      });
    }, due - now);
    if (this.options.keepProcessAlive !== true) this.timer.unref();
  }

  /** One evaluation; never rejects (failures are logged and counted). */
  private async evaluate(): Promise<void> {
    const { store, config, logger } = this.options;
    const requested = this.now();
    try {
      const report = await runSignals(store, config, requested, { logger });
      this.stats.runs++;
      this.stats.lastAtMs = report.atMs;
      this.stats.lastPoints = report.points.length;
      if (report.errors.length > 0) this.stats.failures++;
      for (const { part, error } of report.errors) {
        this.stats.lastError = `${part}: ${error.message}`;
        logger.warn(
          { part, at: new Date(report.atMs).toISOString(), err: error.message },
          'signals: a part of the evaluation failed; the other parts were written',
        );
      }
    } catch (err) {
      this.stats.runs++;
      this.stats.failures++;
      this.stats.lastError = (err as Error).message;
      logger.error(
        { at: new Date(requested).toISOString(), err: (err as Error).message },
        'signals evaluation failed: will retry at the next interval',
      );
    }
  }
}
