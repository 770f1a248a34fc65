/**
 * One side of the import benchmark, in its own process so its peak RSS is its own:
 * `parse FILE` (the bare CSV parse: same reader, no work) or `import FILE INFLUX_URL DATABASE` (the full
 * `meterline import`, writes included). Prints one JSON line: seconds, rows, peak RSS in MB.
 */
import { Attributor, validateConfig } from '@meterline/cost-model';
import { EXPORT_FORMATS } from '../../otel-processor/src/exports/formats/registry';
import { importExports } from '../../otel-processor/src/exports/import';
import { openExportTable } from '../../otel-processor/src/exports/read/open';
import { createInfluxStore } from '../../otel-processor/src/influx/store';

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
