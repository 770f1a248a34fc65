/**
 * The modules Grafana shares with plugins, as one browser bundle: an esbuild IIFE whose entry imports
 * each shared module and puts its namespace on `window.__meterlineShared[name]` (one bundle, so one React,
 * one `@grafana/data` class identity for `instanceof`). The harness page registers each one with SystemJS
 * under the bare name plugins' AMD `define([...])` asks for, as Grafana's host does.
 *
 * Built once per process and cached under `node_modules/.cache/meterline-harness/`, keyed by the installed
 * versions of everything in the bundle plus esbuild's and this file's options: a cached bundle is reused
 * across runs until an upgrade changes a version (about 1.5 s to build, 10 MB).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { SHARED_GLOBAL, SHARED_MODULES } from './shared-modules';

export { SHARED_GLOBAL, SHARED_MODULES, type SharedModuleName } from './shared-modules';

/** The repository root (this file is test/support/grafana-harness/shared-bundle.ts). */
export const REPO_ROOT = resolve(__dirname, '../../..');

/** Bump when the bundle's shape changes without a version change (invalidates every cached bundle). */
const FORMAT = 1;

/** esbuild options, per docs/dev/plugin-harness.md (part of the cache key). */
const BUILD_OPTIONS = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  // Identifiers kept: stack traces from inside @grafana/* stay readable; whitespace/syntax still minified.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'silent',
  define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  loader: { '.css': 'empty', '.svg': 'dataurl', '.woff': 'empty', '.woff2': 'empty' },
} as const;

/** The package whose version decides a module's content (`react/jsx-runtime` → `react`). */
function packageOf(name: string): string {
  const parts = name.split('/');
  return name.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

function installedVersion(pkg: string): string {
  const file = join(REPO_ROOT, 'node_modules', pkg, 'package.json');
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    throw new Error(
      `grafana-harness: ${pkg} is not installed (${file} missing): run npm install at the repository root`,
    );
  }
}

/** The entry module: `import * as` each shared module, then publish the namespaces on window. */
export function sharedEntrySource(): string {
  const imports = SHARED_MODULES.map((m, i) => `import * as m${i} from ${JSON.stringify(m)};`);
  const entries = SHARED_MODULES.map((m, i) => `  ${JSON.stringify(m)}: m${i},`);
  return `${imports.join('\n')}\nwindow.${SHARED_GLOBAL} = {\n${entries.join('\n')}\n};\n`;
}

/** The versions that key the cache: every shared package, esbuild, and a few that shape the bundle. */
export function sharedVersions(): Record<string, string> {
  const pkgs = new Set<string>(SHARED_MODULES.map(packageOf));
  for (const extra of ['esbuild', '@grafana/e2e-selectors', 'i18next', 'react-i18next']) pkgs.add(extra);
  const out: Record<string, string> = {};
  for (const p of [...pkgs].sort()) out[p] = installedVersion(p);
  return out;
}

/** The cache directory for harness builds. */
export const CACHE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'meterline-harness');

let cached: Promise<string> | undefined;

/**
 * The path of the shared bundle, building it when the cache has none for the installed versions. Safe
 * when several jest workers ask at once: one builds (under a lock directory), the others wait for it.
 */
export function sharedBundlePath(): Promise<string> {
  cached ??= buildOrReuse().catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

/** A lock whose owner is gone (killed mid-build), or older than any build takes. */
function lockIsStale(lock: string): boolean {
  try {
    if (Date.now() - statSync(lock).mtimeMs > 120_000) return true;
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return false; // being written
    process.kill(pid, 0);
    return false;
  } catch (e) {
    // ESRCH: no such process. ENOENT: the pid file is not written yet, or the lock was just released.
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function buildOrReuse(): Promise<string> {
  const entry = sharedEntrySource();
  const key = createHash('sha256')
    .update(JSON.stringify({ FORMAT, versions: sharedVersions(), BUILD_OPTIONS, entry }))
    .digest('hex')
    .slice(0, 16);
  mkdirSync(CACHE_DIR, { recursive: true });
  const out = join(CACHE_DIR, `shared-${key}.js`);
  if (existsSync(out)) return out;

  const lock = `${out}.lock`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    // Another process is building it: wait for the file, or take over the lock of a process that died.
    if (existsSync(out)) return out;
    if (lockIsStale(lock)) rmSync(lock, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`grafana-harness: timed out waiting for ${lock}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    if (existsSync(out)) return out;
    const tmp = `${out}.${process.pid}.tmp`;
    try {
      await build({
        ...BUILD_OPTIONS,
        define: { ...BUILD_OPTIONS.define },
        loader: { ...BUILD_OPTIONS.loader },
        stdin: { contents: entry, resolveDir: REPO_ROOT, sourcefile: 'meterline-shared-entry.js' },
        absWorkingDir: REPO_ROOT,
        outfile: tmp,
      });
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new Error(`grafana-harness: building the shared-modules bundle failed: ${(e as Error).message}`);
    }
    renameSync(tmp, out);
    writeFileSync(
      join(CACHE_DIR, `shared-${key}.json`),
      JSON.stringify({ builtAt: new Date().toISOString(), versions: sharedVersions() }, null, 2),
    );
    return out;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
