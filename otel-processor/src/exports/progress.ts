/**
 * The import progress bar: one line on a terminal, redrawn at most ten times a second, with bytes and
 * rows done, the rate and the time left. Off when the stream is not a TTY (logs and CI get the summary).
 *
 * @packageDocumentation
 */
import { basename } from 'node:path';
import type { ImportProgress } from './import';

/** `1536` → `1.5 KiB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** `75` → `1m15s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The bar's text for `p` after `elapsedMs`, `width` columns wide. */
export function renderProgress(p: ImportProgress, elapsedMs: number, width: number): string {
  const fraction = p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : 0;
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? p.bytesRead / seconds : 0;
  const eta = rate > 0 ? (p.totalBytes - p.bytesRead) / rate : Infinity;
  const info =
    ` ${(fraction * 100).toFixed(0).padStart(3)}% ${formatBytes(p.bytesRead)}/${formatBytes(p.totalBytes)}` +
    ` · ${p.rows.toLocaleString('en-US')} rows` +
    (p.rejected > 0 ? ` (${p.rejected.toLocaleString('en-US')} rejected)` : '') +
    ` · ${formatBytes(rate)}/s · ETA ${formatDuration(eta)}` +
    (p.files > 1 ? ` · file ${p.fileIndex + 1}/${p.files} ${basename(p.file)}` : '');
  const barWidth = Math.max(10, Math.min(40, width - info.length - 3));
  const filled = Math.round(fraction * barWidth);
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${info}`.slice(0, Math.max(20, width - 1));
}

/** Draws {@link renderProgress} on a TTY stream. */
export class ProgressBar {
  private readonly started = Date.now();
  private last = 0;
  private drawn = false;

  constructor(private readonly out: NodeJS.WriteStream) {}

  /** Whether a bar is shown at all (the stream is a terminal). */
  get enabled(): boolean {
    return this.out.isTTY === true;
  }

  update(p: ImportProgress): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    this.out.write(`\r${renderProgress(p, now - this.started, this.out.columns ?? 100)}\x1b[K`);
    this.drawn = true;
  }

  /** Removes the bar (before the summary is printed). */
  clear(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}
