// Two projects: fast pure unit tests beside the code, and integration tests that
// start real parts (InfluxDB, the OTel SDK with its exporters) from test/support.
const swc = [
  '@swc/jest',
  { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
];
// hyparquet (the Parquet reader) and its helpers ship only as ES modules, which jest's CommonJS module
// system cannot load as they are: swc transforms them like our own TypeScript.
const esmOnly = ['hyparquet', 'hyparquet-compressors', 'hyparquet-writer', 'hysnappy'];
const swcJs = [
  '@swc/jest',
  { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } },
];
const common = {
  transform: { '^.+\\.ts$': swc, [`/node_modules/(${esmOnly.join('|')})/.+\\.js$`]: swcJs },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  testEnvironment: 'node',
  // Only the workspaces and tests: scratch copies of the tree elsewhere must not shadow packages.
  roots: ['<rootDir>/cost-model/src', '<rootDir>/otel-processor/src', '<rootDir>/test'],
  // Resolve workspace packages to their TypeScript sources, so tests never run stale dist/.
  moduleNameMapper: {
    '^@meterline/cost-model$': '<rootDir>/cost-model/src/index.ts',
    '^@meterline/otel-processor$': '<rootDir>/otel-processor/src/index.ts',
  },
};
// Grafana plugins: TSX with React's automatic runtime, in jsdom (Testing Library), resolved like the bundler
// resolves them (cost-model from source). @grafana/* ship CJS builds jest can load as they are.
const swcTsx = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', tsx: true },
      transform: { react: { runtime: 'automatic' } },
    },
    module: { type: 'commonjs' },
  },
];
// What @grafana/* require that ships only as ES modules (`"type": "module"` packages: react-calendar,
// marked, d3-*, ol, …): swc turns them into CommonJS for jest. Listed from node_modules rather than by hand,
// because that set changes with every @grafana/* release.
const grafanaEsmOnly = (() => {
  const fs = require('node:fs');
  const path = require('node:path');
  const root = path.join(__dirname, 'node_modules');
  const out = [];
  const visit = (name) => {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(root, name, 'package.json'), 'utf8'));
      if (pkg.type === 'module') out.push(name.replace(/[.+]/g, '\\$&'));
    } catch {
      // not a package
    }
  };
  for (const entry of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    if (entry.startsWith('@'))
      for (const sub of fs.readdirSync(path.join(root, entry))) visit(`${entry}/${sub}`);
    else visit(entry);
  }
  return out;
})();
const plugins = {
  displayName: 'plugins',
  testEnvironment: '<rootDir>/test/support/jsdom-with-fetch.js',
  roots: ['<rootDir>/datasource-plugin/src', '<rootDir>/panel-plugin', '<rootDir>/test/plugins'],
  // Beside the code: unit and component tests. test/plugins: the data source against a real InfluxDB
  // filled by meterline.
  testMatch: [
    '<rootDir>/datasource-plugin/src/**/*.test.ts?(x)',
    '<rootDir>/panel-plugin/*/src/**/*.test.ts?(x)',
    '<rootDir>/test/plugins/**/*.test.ts?(x)',
  ],
  transform: { '^.+\\.tsx?$': swcTsx, '^.+\\.m?js$': swcJs },
  transformIgnorePatterns: [`/node_modules/(?!(${grafanaEsmOnly.join('|')})/)`],
  setupFiles: ['<rootDir>/test/support/jsdom-setup.ts'],
  moduleNameMapper: {
    ...common.moduleNameMapper,
    '^@meterline/panel-shared$': '<rootDir>/panel-plugin/shared/src/index.ts',
    '\\.(css|svg|png)$': '<rootDir>/test/support/file-stub.ts',
  },
};
module.exports = {
  // Global only: jest ignores testTimeout inside projects. Integration tests start real servers.
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/cost-model/src/**/*.test.ts', '<rootDir>/otel-processor/src/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
    // Built Grafana plugins in headless Chromium (test/support/grafana-harness), against a real InfluxDB.
    {
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
    },
    plugins,
  ],
};
