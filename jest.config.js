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
  ],
};
