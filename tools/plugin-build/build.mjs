#!/usr/bin/env node
/**
 * Builds Grafana plugins laid out like Grafana's `create-plugin` scaffold into their `dist/` folder, the
 * folder Grafana mounts:
 *
 *   dist/module.js          AMD module (webpack, swc-loader, Grafana's externals; see webpack.config.cjs)
 *   dist/module.js.map
 *   dist/plugin.json        src/plugin.json with %VERSION% (package.json version) and %TODAY% (YYYY-MM-DD)
 *   dist/img/…              src/img/ (logos, screenshots)
 *   dist/README.md, CHANGELOG.md, LICENSE   from the plugin folder when present (LICENSE: else the repo's)
 *
 * Usage: node tools/plugin-build/build.mjs <plugin-folder>… [--dev]
 *
 * webpack runs through its Node API: webpack-cli needs Node 22 and this repository supports Node 20. A plugin
 * may have its own `webpack.config.js` (a config object, or a function of `(env, argv)` like webpack-cli
 * calls); without one, the shared configuration is used as it is.
 *
 * Set SOURCE_DATE_EPOCH (seconds) for a reproducible %TODAY%.
 */
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { createConfig } = require('./webpack.config.cjs');

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A build failure whose message is the whole story (printed without a stack trace). */
export class PluginBuildError extends Error {
  name = 'PluginBuildError';
}

/**
 * The build date in `YYYY-MM-DD` (UTC), from SOURCE_DATE_EPOCH when set.
 *
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {string}
 */
export function buildDate(env = process.env) {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && epoch !== '') {
    if (!/^\d+$/.test(epoch))
      throw new PluginBuildError(`SOURCE_DATE_EPOCH must be whole seconds, got "${epoch}"`);
    return new Date(Number(epoch) * 1000).toISOString().slice(0, 10);
  }
  return new Date().toISOString().slice(0, 10);
}

/**
 * `src/plugin.json` with its placeholders replaced, checked to still be JSON and to have no placeholder left.
 *
 * @param {string} text the source plugin.json
 * @param {{ version: string, today: string, file: string }} values
 * @returns {string}
 */
export function renderPluginJson(text, { version, today, file }) {
  const out = text.replaceAll('%VERSION%', version).replaceAll('%TODAY%', today);
  try {
    JSON.parse(out);
  } catch (err) {
    throw new PluginBuildError(`${file}: not valid JSON: ${err.message}`);
  }
  const left = /%[A-Z_]+%/.exec(out);
  if (left)
    throw new PluginBuildError(`${file}: unknown placeholder ${left[0]} (only %VERSION% and %TODAY%)`);
  return out;
}

/** The plugin's webpack configuration: its own webpack.config.js when it has one, else the shared one. */
function loadConfig(pluginDir, mode) {
  const own = path.join(pluginDir, 'webpack.config.js');
  if (!fs.existsSync(own)) return createConfig({ pluginDir, mode });
  let exported = require(own);
  if (exported && typeof exported === 'object' && 'default' in exported) exported = exported.default;
  const config = typeof exported === 'function' ? exported({}, { mode }) : exported;
  if (!config || typeof config !== 'object') {
    throw new PluginBuildError(`${own}: must export a webpack configuration or a function returning one`);
  }
  return config;
}

/** Runs webpack through its Node API; rejects with every error webpack reported. */
async function runWebpack(config, label) {
  const { default: webpack } = await import('webpack');
  return new Promise((resolve, reject) => {
    let compiler;
    try {
      compiler = webpack(config);
    } catch (err) {
      // Invalid configuration: webpack throws synchronously with a readable message.
      reject(new PluginBuildError(`${label}: invalid webpack configuration:\n${err.message}`));
      return;
    }
    compiler.run((err, stats) => {
      compiler.close(() => {
        if (err) {
          reject(new PluginBuildError(`${label}: webpack failed: ${err.stack ?? err.message}`));
        } else if (stats.hasErrors()) {
          const text = stats.toString({ all: false, errors: true, errorDetails: false, moduleTrace: true });
          reject(new PluginBuildError(`${label}: webpack reported errors:\n${text}`));
        } else {
          if (stats.hasWarnings()) console.warn(stats.toString({ all: false, warnings: true }));
          resolve(stats);
        }
      });
    });
  });
}

/**
 * Builds one plugin folder into its `dist/`.
 *
 * @param {string} dir the plugin folder (with src/plugin.json, src/module.ts and package.json)
 * @param {{ mode?: 'production' | 'development', today?: string }} [options]
 * @returns {Promise<{ id: string, dist: string, moduleBytes: number }>}
 */
export async function buildPlugin(dir, { mode = 'production', today = buildDate() } = {}) {
  const pluginDir = path.resolve(dir);
  const label = path.relative(REPO_ROOT, pluginDir) || pluginDir;
  if (!fs.existsSync(pluginDir) || !fs.statSync(pluginDir).isDirectory()) {
    throw new PluginBuildError(`${dir}: not a folder`);
  }
  const srcJson = path.join(pluginDir, 'src', 'plugin.json');
  if (!fs.existsSync(srcJson))
    throw new PluginBuildError(`${label}: no src/plugin.json (not a Grafana plugin folder)`);
  const pkgFile = path.join(pluginDir, 'package.json');
  if (!fs.existsSync(pkgFile)) throw new PluginBuildError(`${label}: no package.json (it gives %VERSION%)`);
  const version = JSON.parse(fs.readFileSync(pkgFile, 'utf8')).version;
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+/.test(version)) {
    throw new PluginBuildError(
      `${pkgFile}: "version" must be a semantic version, got ${JSON.stringify(version)}`,
    );
  }
  // Render plugin.json before compiling: a broken one fails fast, before webpack spends its seconds.
  const pluginJson = renderPluginJson(fs.readFileSync(srcJson, 'utf8'), { version, today, file: srcJson });
  const id = JSON.parse(pluginJson).id;

  let config;
  try {
    config = loadConfig(pluginDir, mode);
  } catch (err) {
    throw err instanceof PluginBuildError ? err : new PluginBuildError(`${label}: ${err.message}`);
  }
  await runWebpack(config, label);

  const dist = config.output?.path ?? path.join(pluginDir, 'dist');
  fs.writeFileSync(path.join(dist, 'plugin.json'), pluginJson);
  const img = path.join(pluginDir, 'src', 'img');
  if (fs.existsSync(img)) fs.cpSync(img, path.join(dist, 'img'), { recursive: true });
  for (const name of ['README.md', 'CHANGELOG.md', 'LICENSE']) {
    const own = path.join(pluginDir, name);
    // The catalog wants a LICENSE with the plugin; the repository's applies when the plugin has none.
    const from = fs.existsSync(own) ? own : name === 'LICENSE' ? path.join(REPO_ROOT, name) : undefined;
    if (from && fs.existsSync(from)) fs.copyFileSync(from, path.join(dist, name));
  }
  const logos = JSON.parse(pluginJson).info?.logos ?? {};
  for (const logo of [logos.small, logos.large]) {
    if (typeof logo === 'string' && !fs.existsSync(path.join(dist, logo))) {
      throw new PluginBuildError(
        `${label}: plugin.json names logo "${logo}", which is not in src/ (looked for ${path.join('src', logo)})`,
      );
    }
  }
  const moduleFile = path.join(dist, 'module.js');
  if (!fs.existsSync(moduleFile)) throw new PluginBuildError(`${label}: webpack wrote no dist/module.js`);
  return { id, dist, moduleBytes: fs.statSync(moduleFile).size };
}

async function main(argv) {
  const args = argv.filter((a) => !a.startsWith('--'));
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const unknown = [...flags].filter((f) => f !== '--dev');
  if (args.length === 0 || unknown.length > 0) {
    console.error(
      `${unknown.length > 0 ? `unknown option ${unknown.join(' ')}\n` : ''}` +
        'usage: node tools/plugin-build/build.mjs <plugin-folder>… [--dev]',
    );
    return 2;
  }
  const mode = flags.has('--dev') ? 'development' : 'production';
  for (const dir of args) {
    const started = Date.now();
    try {
      const { id, dist, moduleBytes } = await buildPlugin(dir, { mode });
      const rel = path.relative(process.cwd(), dist) || '.';
      console.log(
        `${id}: ${rel}/module.js ${(moduleBytes / 1024).toFixed(1)} KiB (${mode}, ${Date.now() - started} ms)`,
      );
    } catch (err) {
      console.error(err instanceof PluginBuildError ? `plugin build failed: ${err.message}` : err);
      return 1;
    }
  }
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
