/**
 * The export formats `meterline import` reads, re-exported in one place.
 *
 * @packageDocumentation
 */
export * from './gcp';
export * from './azure';
export * from './focus';
export * from './aws-cur';
