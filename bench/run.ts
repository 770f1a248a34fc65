/**
 * Benchmark runner: `npm run bench` runs every `bench/*.bench.ts`; `npm run bench -- <name>` runs one.
 *
 * Each benchmark measures Meterline against a baseline in the same run (these machines are noisy, so
 * only ratios are comparable across runs), prints a short table, and its JSON result is written to
 * `bench/results/<name>.json`.
 *
 * `npm run bench` starts node with `--max-semi-space-size=32` (inherited by each benchmark's process): with
 * V8's default young generation, the same protobuf decode loop measured either ~450k or ~240k spans/s from
 * one process to the next (about one in six), depending on how the heap had grown while the benchmark's
 * input was generated. Baseline and subject run under the same flag, so ratios stay fair.
 */
import { spawn } from 'node:child_process';
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, basename } from 'node:path';

/** What a benchmark module exports. */
export interface Benchmark {
  /** One line saying what is compared to what. */
  description: string;
  /** Runs the measurement; the returned object is written as JSON. */
  run(): Promise<Record<string, unknown>>;
}

async function main(): Promise<void> {
  const dir = __dirname;
  const all = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => basename(f, '.bench.ts'))
    .sort();
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !all.includes(w));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
    process.exit(2);
  }
  const selected = wanted.length > 0 ? wanted : all;
  if (selected.length > 1) {
    // One process per benchmark: a benchmark run after others inherits their heap and JIT state (the
    // bare protobuf decode baseline measured half its standalone speed after the import benchmark), which
    // would make results depend on the order they run in.
    for (const name of selected) {
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [...process.execArgv, __filename, name], { stdio: 'inherit' });
        child.on('exit', resolve);
      });
      if (code !== 0) throw new Error(`benchmark ${name} failed (exit ${code})`);
    }
    return;
  }
  const resultsDir = join(dir, 'results');
  mkdirSync(resultsDir, { recursive: true });
  for (const name of selected) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(dir, `${name}.bench.ts`)) as { default?: Benchmark } & Benchmark;
    const bench = mod.default ?? mod;
    console.log(`\n== ${name}: ${bench.description}`);
    const result = await bench.run();
    const out = join(resultsDir, `${name}.json`);
    const payload = { name, at: new Date().toISOString(), node: process.version, ...result };
    writeFileSync(
      out,
      JSON.stringify(payload, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n',
    );
    console.log(`-> ${out}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
