/**
 * `import`: `meterline import` of a generated FOCUS CSV of at least 1 GB (written at bench time into a
 * temp dir, removed afterwards) against a bare parse of the same file with the same reader. Each side
 * runs in its own process, so peak RSS is the import's alone; the import writes to a real private
 * influxd. Only the ratio is meaningful across runs. Targets: ratio ≥ 0.7, peak RSS < 300 MB.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLocalInfluxd } from '../otel-processor/src/influx/local-influxd';
import type { Benchmark } from './run';
import { writeFocusCsv } from './support/focus-generator';

const run = promisify(execFile);
const BYTES = Number(process.env['METERLINE_BENCH_IMPORT_BYTES'] ?? 1_050_000_000);

interface ChildResult {
  seconds: number;
  rows: number;
  rejected: number;
  maxRssMb: number;
}

async function child(args: string[]): Promise<ChildResult> {
  const { stdout } = await run(
    process.execPath,
    [
      '--conditions=meterline-source',
      '--import',
      'tsx',
      join(__dirname, 'support', 'import-child.ts'),
      ...args,
    ],
    { maxBuffer: 16 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult;
}

const bench: Benchmark = {
  description: 'meterline import of a ≥ 1 GB FOCUS CSV (writes included) vs a bare parse of the same file',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'meterline-bench-import-'));
    const influx = await startLocalInfluxd();
    try {
      const file = join(dir, 'focus-1.2.csv');
      const t0 = performance.now();
      const generated = await writeFocusCsv(file, BYTES);
      console.log(
        `generated ${(generated.bytes / 1e6).toFixed(0)} MB, ${generated.rows.toLocaleString()} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      const mb = generated.bytes / 1e6;
      // Warm the page cache for both sides alike, then alternate: parse, import, parse; best parse.
      const parse1 = await child(['parse', file]);
      const imported = await child(['import', file, influx.url, 'bench_import']);
      const parse2 = await child(['parse', file]);
      const parseSeconds = Math.min(parse1.seconds, parse2.seconds);
      if (parse1.rows !== generated.rows || imported.rows !== generated.rows) {
        throw new Error(
          `import bench: rows differ: generated ${generated.rows}, parsed ${parse1.rows}, imported ${imported.rows} (rejected ${imported.rejected})`,
        );
      }
      const parseMbPerS = mb / parseSeconds;
      const importMbPerS = mb / imported.seconds;
      const ratio = importMbPerS / parseMbPerS;
      console.log(`parse:  ${parseMbPerS.toFixed(1)} MB/s (peak RSS ${parse1.maxRssMb.toFixed(0)} MB)`);
      console.log(
        `import: ${importMbPerS.toFixed(1)} MB/s (ratio ${ratio.toFixed(3)}; target ≥ 0.7), peak RSS ${imported.maxRssMb.toFixed(0)} MB (target < 300)`,
      );
      return {
        parse_mb_per_s: Number(parseMbPerS.toFixed(2)),
        import_mb_per_s: Number(importMbPerS.toFixed(2)),
        ratio: Number(ratio.toFixed(3)),
        peak_rss_mb: Number(imported.maxRssMb.toFixed(1)),
        parse_peak_rss_mb: Number(parse1.maxRssMb.toFixed(1)),
        file_mb: Number(mb.toFixed(1)),
        rows: generated.rows,
      };
    } finally {
      await influx.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
