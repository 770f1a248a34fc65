/**
 * The demo's progress on stderr: one line per phase with the time since the demo started, and — on a
 * terminal only — a status line rewritten in place during the long traffic phase. Never a line per span.
 *
 * @packageDocumentation
 */

/** A phase that ran, for the JSON summary. */
export interface PhaseTiming {
  phase: string;
  /** Seconds since the demo started, when the phase ended. */
  atS: number;
  /** Seconds the phase took. */
  tookS: number;
}

export class Progress {
  readonly phases: PhaseTiming[] = [];
  private readonly startMs = Date.now();
  private phaseStartMs = this.startMs;
  private statusShown = false;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  /** Seconds since the demo started. */
  elapsedS(): number {
    return (Date.now() - this.startMs) / 1000;
  }

  private stamp(): string {
    return `[${this.elapsedS().toFixed(1).padStart(6)}s]`;
  }

  /** A line (clearing the status line first). */
  line(text: string): void {
    this.clearStatus();
    this.out.write(`${this.stamp()} ${text}\n`);
  }

  /** Ends a phase: its line, and its timing for the summary. */
  done(phase: string, text: string): void {
    const now = Date.now();
    this.phases.push({
      phase,
      atS: Math.round((now - this.startMs) / 100) / 10,
      tookS: Math.round((now - this.phaseStartMs) / 100) / 10,
    });
    this.phaseStartMs = now;
    this.line(text);
  }

  /** A status line, rewritten in place on a terminal (nothing otherwise). */
  status(text: string): void {
    if (this.out.isTTY !== true) return;
    const width = Math.max(20, (this.out.columns ?? 100) - 1);
    this.out.write(`\r${`${this.stamp()} ${text}`.slice(0, width).padEnd(width)}`);
    this.statusShown = true;
  }

  clearStatus(): void {
    if (!this.statusShown) return;
    this.out.write(`\r${' '.repeat(Math.max(20, (this.out.columns ?? 100) - 1))}\r`);
    this.statusShown = false;
  }
}
