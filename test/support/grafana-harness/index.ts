/** The Grafana plugin harness: see harness.ts and docs/dev/plugin-harness.md. */
export * from './harness';
export {
  renderRouteTemplate,
  resolveProxyTarget,
  matchRoute,
  type PluginRoute,
  type ServerDataSource,
} from './data-proxy';
export { SHARED_MODULES, sharedBundlePath } from './shared-bundle';
