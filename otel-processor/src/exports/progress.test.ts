import { PassThrough } from 'node:stream';
import { ProgressBar, formatBytes, formatDuration, renderProgress } from './progress';

const progress = {
  file: '/data/focus-2024-06.csv.gz',
  fileIndex: 1,
  files: 3,
  bytesRead: 512 * 1024 * 1024,
  totalBytes: 1024 * 1024 * 1024,
  rows: 1_234_567,
  rejected: 2,
};

describe('import progress', () => {
  it('formats sizes and durations', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(75)).toBe('1m15s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3h02m');
    expect(formatDuration(Infinity)).toBe('?');
  });

  it('shows the fraction, bytes, rows, rejected, rate, ETA and file', () => {
    // Half the file in 10 s: 51.2 MiB/s, 10 s to go.
    const line = renderProgress(progress, 10_000, 200);
    expect(line).toMatch(/^\[#{20}\.{20}\] {2}50% 512\.0 MiB\/1\.0 GiB/);
    expect(line).toContain('1,234,567 rows (2 rejected)');
    expect(line).toContain('51.2 MiB/s · ETA 10s');
    expect(line).toContain('file 2/3 focus-2024-06.csv.gz');
  });

  it('fits a narrow terminal', () => {
    expect(renderProgress(progress, 10_000, 60).length).toBeLessThanOrEqual(59);
  });

  it('draws only on a terminal, and clears what it drew', () => {
    const out = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
    let written = '';
    out.on('data', (d: Buffer) => (written += d.toString()));
    const quiet = new ProgressBar(out as unknown as NodeJS.WriteStream);
    quiet.update(progress);
    quiet.clear();
    expect(written).toBe('');
    out.isTTY = true;
    out.columns = 120;
    const bar = new ProgressBar(out as unknown as NodeJS.WriteStream);
    bar.update(progress);
    bar.update(progress); // within 100 ms: not redrawn
    bar.clear();
    expect(written.match(/\r\[/g)).toHaveLength(1);
    expect(written.endsWith('\r\x1b[K')).toBe(true);
  });
});
