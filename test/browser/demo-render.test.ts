/**
 * `meterline demo`'s render step, for real: a short demo run (the built CLI, `--duration 10`, its data in an
 * InfluxDB this test started) with the browser step on, which spawns tools/demo-render.ts — the built
 * data source and panels in headless Chromium on the plugin harness, querying that InfluxDB through the
 * emulated data proxy. Checks that the PNGs are there, real images of the size asked for and not blank,
 * and that the summary lists them.
 *
 * Needs `npm run build` (the CLI's dist/ and the plugins' dist/) and Chromium (scripts/ensure-chromium.sh).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxDB, type InfluxInstance } from '../support/influxdb';

const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'otel-processor/dist/cli.js');

let influx: InfluxInstance;
let dir: string;
let stdout = '';
let stderr = '';
let code: number | null;

/** Width and height from a PNG's IHDR chunk (and that it is a PNG at all). */
function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  expect(b.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

beforeAll(async () => {
  for (const f of [
    CLI,
    ...['datasource-plugin', 'panel-plugin/burnrate', 'panel-plugin/attribution', 'panel-plugin/anomaly'].map(
      (d) => join(ROOT, d, 'dist', 'module.js'),
    ),
  ]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run npm run build first`);
  }
  influx = await startInfluxDB();
  dir = mkdtempSync(join(tmpdir(), 'meterline-demo-render-'));
  const child = spawn(
    process.execPath,
    [CLI, 'demo', '--duration', '10', '--influx-url', influx.url, '--database', 'render', '--out', dir],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
}, 180_000);

afterAll(async () => {
  await influx?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('renders the panels and the on-call view to non-trivial PNGs, listed in the summary', () => {
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  expect(stderr).toMatch(/panels: 5 PNGs in /);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as {
    images: { file: string; width: number; height: number; bytes: number; title: string }[];
  };
  const names = summary.images.map((i) => i.file.slice(join(dir, 'panels').length + 1));
  expect(names).toEqual([
    'burn-rate.png',
    'unknown-attribution.png',
    'anomalies.png',
    'spend.png',
    'on-call.png',
  ]);
  for (const image of summary.images) {
    const size = pngSize(image.file);
    expect(size).toEqual({ width: image.width, height: image.height });
    expect(statSync(image.file).size).toBe(image.bytes);
    // A blank 800×320 panel compresses to well under 5 KB; a drawn one does not.
    expect(image.bytes).toBeGreaterThan(5 * 1024);
    if (image.title === 'On-call dashboard (key panels)') {
      // Two panels side by side, two rows.
      expect(size.width).toBeGreaterThan(2 * 800);
      expect(size.height).toBeGreaterThan(2 * 320);
    } else {
      expect(size).toEqual({ width: 800, height: 320 });
    }
  }
  expect(stdout).toContain(`Panels: ${summary.images.map((i) => i.file).join(', ')}`);
});
