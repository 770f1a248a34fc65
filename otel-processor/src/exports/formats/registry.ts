/**
 * The formats `meterline import` knows, in detection order: FOCUS first (a FOCUS export a provider
 * writes may keep some of its native columns as `x_` extras, never the other way round).
 */
import { awsCur2Format, awsCurFormat } from './aws-cur';
import { azureFormat } from './azure';
import type { ExportFormat } from './format';
import { focusFormat } from './focus';
import { gcpFormat } from './gcp';

/** Every supported export format. */
export const EXPORT_FORMATS: readonly ExportFormat[] = [
  focusFormat,
  awsCurFormat,
  awsCur2Format,
  gcpFormat,
  azureFormat,
];
