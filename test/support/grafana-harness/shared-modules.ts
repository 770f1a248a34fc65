/**
 * The modules Grafana's host shares with plugins (what plugins' AMD `define([...])` asks SystemJS for),
 * and where the harness's shared bundle puts them. No Node imports: the in-page runtime uses it too.
 */

/** The window property the shared bundle fills: module name → module namespace. */
export const SHARED_GLOBAL = '__meterlineShared';

/**
 * The bare module names Grafana's host shares with plugins that Meterline's plugins may import (the
 * plugin build's externals). A plugin importing anything else fails in SystemJS on the bare name: add it here.
 */
export const SHARED_MODULES = [
  'react',
  'react-dom',
  'react-dom/client',
  'react/jsx-runtime',
  '@grafana/data',
  '@grafana/ui',
  '@grafana/runtime',
  '@grafana/schema',
  '@grafana/i18n',
  'lodash',
  'rxjs',
  'rxjs/operators',
  '@emotion/css',
  '@emotion/react',
  'moment',
] as const;

export type SharedModuleName = (typeof SHARED_MODULES)[number];
