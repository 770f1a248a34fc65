/**
 * Grafana's field types as constants.
 *
 * `@grafana/data`'s `FieldType` enum cannot be imported at run time outside a browser (its CommonJS build
 * touches `window` when loaded), and the shapers also run in plain Node (the `datasource-transform`
 * benchmark). The values are the data-plane contract (`"time"`, `"number"`, …) shared with Grafana's Go SDK,
 * so they cannot change; the types still come from `@grafana/data`.
 *
 * @packageDocumentation
 */
import type { FieldType } from '@grafana/data';

/** `FieldType` members by name, typed as the enum. */
export const FieldTypes = {
  time: 'time' as FieldType.time,
  number: 'number' as FieldType.number,
  string: 'string' as FieldType.string,
  boolean: 'boolean' as FieldType.boolean,
  other: 'other' as FieldType.other,
} as const;
