/**
 * @meterline/panel-shared — what the three Meterline panels have in common. Internal: bundled into each
 * panel's module.js, never loaded on its own.
 *
 * @packageDocumentation
 */
export * from './frames';
export * from './format';
export { PanelProblem, type PanelProblemProps } from './PanelProblem/PanelProblem';
