/**
 * One side of the import benchmark, in its own process so its peak RSS is its own:
 * `parse FILE` (the bare CSV parse: same reader, no work) or `import FILE INFLUX_URL DATABASE` (the full
 * `meterline import`, writes included). Prints one JSON line: seconds, rows, peak RSS in MB. Both sides run
 * the built JavaScript.
 */
import { join } from 'node:path';

// The built code (`npm run bench` builds first), as `meterline import` runs it: the sources run through
// tsx are ~10% slower, and would measure the transpiler's output rather than ours. Types from the sources.
const dist = (path: string): unknown =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(join(__dirname, '..', '..', path));
const { Attributor, validateConfig } = dist(
  'cost-model/dist/index.js',
) as typeof import('@meterline/cost-model');
const { EXPORT_FORMATS } = dist(
  'otel-processor/dist/exports/formats/registry.js',
) as typeof import('../../otel-processor/src/exports/formats/registry');
const { importExports } = dist(
  'otel-processor/dist/exports/import.js',
) as typeof import('../../otel-processor/src/exports/import');
const { openExportTable } = dist(
  'otel-processor/dist/exports/read/open.js',
) as typeof import('../../otel-processor/src/exports/read/open');
const { createInfluxStore } = dist(
  'otel-processor/dist/influx/store.js',
) as typeof import('../../otel-processor/src/influx/store');

async function main(): Promise<void> {
  const [mode, file, url, database] = process.argv.slice(2);
  const t0 = performance.now();
  let rows = 0;
  let rejected = 0;
  if (mode === 'parse') {
    const table = await openExportTable(file!);
    for await (const batch of table.batches(() => rejected++)) rows += batch.length;
  } else if (mode === 'import') {
    const config = validateConfig({
      attribution: {
        rules: [
          { id: 'team-tag', match: [{ key: 'team', source: 'attributes' }], set: { team: { from: 'team' } } },
        ],
        fallbacks: [],
      },
      influx: { url: url!, database: database! },
    });
    const store = createInfluxStore(config.influx!);
    const summary = await importExports({
      paths: [file!],
      formats: EXPORT_FORMATS,
      attributor: Attributor.compile(config.attribution),
      store,
    });
    await store.close();
    rows = summary.rows;
    rejected = summary.rejectedCount;
    process.stderr.write(`points: ${summary.points}\n`);
  } else throw new Error(`import-child: unknown mode ${mode}`);
  const seconds = (performance.now() - t0) / 1000;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ seconds, rows, rejected, maxRssMb }) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
