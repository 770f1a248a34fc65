/**
 * webpack configuration of the `meterline-cost-datasource` plugin: the shared Grafana plugin configuration
 * (AMD output, Grafana's externals, swc). Built by `tools/plugin-build/build.mjs` (`npm run build`), which
 * also copies plugin.json, img/, README.md and CHANGELOG.md into dist/. A function of `(env, argv)` so
 * webpack-cli (Node 22) can use it too.
 */
'use strict';

const { createConfig } = require('../tools/plugin-build/webpack.config.cjs');

module.exports = (_env, argv = {}) =>
  createConfig({ pluginDir: __dirname, mode: argv.mode === 'development' ? 'development' : 'production' });
