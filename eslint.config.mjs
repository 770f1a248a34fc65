import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      '.scratch*/**',
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      'bench/results/**',
      'test/artifacts/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // CommonJS configuration files (webpack, jest): require() is how they load their helpers.
    files: ['**/*.cjs', '**/webpack.config.js', 'jest.config.js', 'test/support/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Grafana plugins run in the browser (their tests in jsdom).
    files: ['datasource-plugin/src/**/*.{ts,tsx}', 'panel-plugin/**/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // cost-model must stay pure and browser-safe: no Node built-ins, no I/O.
    files: ['cost-model/src/**/*.ts'],
    ignores: ['cost-model/src/**/*.test.ts'],
    languageOptions: { globals: { ...globals.es2022 } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'http', 'https', 'net', 'os', 'child_process'],
              message: 'cost-model is pure: no I/O or Node built-ins.',
            },
          ],
        },
      ],
    },
  },
);
