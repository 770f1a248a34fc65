/**
 * The webpack configuration every Meterline Grafana plugin is built with (Grafana `create-plugin` layout:
 * `<plugin>/src/module.ts`, `<plugin>/src/plugin.json`). Grafana loads `dist/module.js` as an AMD module
 * with SystemJS and hands it its own copies of React, @grafana/* and friends, so those stay external: a
 * plugin that bundled its own React would render with two Reacts and break hooks.
 *
 * CommonJS on purpose: a plugin's own `webpack.config.js` (CommonJS, as its package has no `"type"`) and
 * `build.mjs` (ESM) can both load it, and so can webpack-cli where it is available (it needs Node 22).
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

/**
 * The modules Grafana's plugin loader provides to plugins (see docs/dev/plugin-harness.md), as webpack
 * `externals` with `externalsType: 'amd'`: each becomes a dependency of the `define([...])` wrapper.
 */
const GRAFANA_EXTERNALS = [
  { 'amd-module': 'module' },
  'lodash',
  'jquery',
  'moment',
  'slate',
  'emotion',
  '@emotion/react',
  '@emotion/css',
  'prismjs',
  'slate-plain-serializer',
  '@grafana/slate-react',
  'react',
  'react-dom',
  'react-redux',
  'redux',
  'rxjs',
  'i18next',
  'react-router',
  'd3',
  'angular',
  /^@grafana\/ui/i,
  /^@grafana\/runtime/i,
  /^@grafana\/data/i,
  /^@grafana\/schema/i,
  /^@grafana\/i18n/i,
  /^rxjs\/operators/,
  // Grafana's own modules, imported as `grafana/app/...`, are registered without the prefix.
  ({ request }, callback) =>
    request && request.startsWith('grafana/') ? callback(undefined, request.slice(8)) : callback(),
];

/**
 * Reads a plugin's id from `src/plugin.json`. Throws an Error naming the file when it is missing or is not
 * valid JSON with a string `id`.
 *
 * @param {string} pluginDir absolute path of the plugin folder
 * @returns {string}
 */
function readPluginId(pluginDir) {
  const file = path.join(pluginDir, 'src', 'plugin.json');
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file}: missing (a Grafana plugin folder has src/plugin.json)`);
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON: ${err.message}`);
  }
  if (typeof json.id !== 'string' || json.id === '')
    throw new Error(`${file}: "id" must be a non-empty string`);
  return json.id;
}

/**
 * The entry module of a plugin: `src/module.ts`, `.tsx` or `.js`.
 *
 * @param {string} pluginDir absolute path of the plugin folder
 * @returns {string}
 */
function findEntry(pluginDir) {
  for (const name of ['module.ts', 'module.tsx', 'module.js']) {
    const file = path.join(pluginDir, 'src', name);
    if (fs.existsSync(file)) return file;
  }
  throw new Error(
    `${path.join(pluginDir, 'src')}: no module.ts, module.tsx or module.js (the plugin's entry)`,
  );
}

/**
 * The JavaScript minimizer, configured to leave license comments in place instead of extracting them to
 * `module.js.LICENSE.txt`: extraction puts a banner comment before `define(`, and Grafana's loader (and the
 * checks in test/integration/plugin-json.test.ts) expect module.js to start with the AMD wrapper.
 * webpack ≥ 5.110 ships `minimizer-webpack-plugin`; older ones `terser-webpack-plugin` (same options).
 *
 * @returns {import('webpack').WebpackPluginInstance}
 */
function createMinimizer() {
  const from = { paths: [path.dirname(require.resolve('webpack/package.json'))] };
  for (const name of ['minimizer-webpack-plugin', 'terser-webpack-plugin']) {
    let Plugin;
    try {
      Plugin = require(require.resolve(name, from));
    } catch {
      continue;
    }
    return new Plugin({ extractComments: false });
  }
  throw new Error("webpack's minimizer (minimizer-webpack-plugin or terser-webpack-plugin) is not installed");
}

/**
 * The webpack configuration of one plugin.
 *
 * @param {{ pluginDir: string, mode?: 'production' | 'development' }} options
 * @returns {import('webpack').Configuration}
 */
function createConfig({ pluginDir, mode = 'production' }) {
  const dir = path.resolve(pluginDir);
  const id = readPluginId(dir);
  const production = mode === 'production';
  return {
    mode,
    context: dir,
    entry: { module: findEntry(dir) },
    target: 'web',
    devtool: 'source-map',
    externalsType: 'amd',
    externals: GRAFANA_EXTERNALS,
    output: {
      path: path.join(dir, 'dist'),
      filename: '[name].js',
      library: { type: 'amd' },
      // Lazy chunks and assets load from where Grafana serves the plugin's dist/.
      publicPath: `public/plugins/${id}/`,
      uniqueName: id,
      clean: true,
    },
    resolve: {
      extensions: ['.ts', '.tsx', '.js', '.jsx', '.json'],
      // Workspace packages (cost-model) resolve to their TypeScript sources, as in tsconfig and jest: the
      // bundle never depends on a stale or missing dist/ of a sibling package.
      conditionNames: ['meterline-source', '...'],
      // Sources written for Node's ESM resolution import './x.js' for './x.ts'.
      extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
    },
    module: {
      rules: [
        {
          test: /\.[cm]?[tj]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: require.resolve('swc-loader'),
            options: {
              jsc: {
                // ES2020: cost-model uses BigInt literals for nano-unit money.
                target: 'es2020',
                parser: { syntax: 'typescript', tsx: true, decorators: false },
                transform: { react: { runtime: 'automatic', development: !production } },
              },
            },
          },
        },
      ],
    },
    optimization: production ? { minimize: true, minimizer: [createMinimizer()] } : { minimize: false },
    // The size is printed by build.mjs; webpack's 244 KiB hint is meant for pages, not plugin modules.
    performance: { hints: false },
    stats: 'errors-warnings',
  };
}

module.exports = { GRAFANA_EXTERNALS, createConfig, findEntry, readPluginId };
