/**
 * Dedupe of spans and data points across collector retries and WAL replays.
 *
 * @packageDocumentation
 */
export { DedupeWindow, type DedupeWindowOptions } from './window';
export { HASH_ID, hash64, hash64Into, type Hash64 } from './hash64';
