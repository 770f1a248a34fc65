/**
 * Durability layer of `meterline serve`: the segmented write-ahead log and the checkpoint file.
 *
 * @packageDocumentation
 */
export {
  WriteAheadLog,
  segmentName,
  type WalLogger,
  type WalOptions,
  type WalRecord,
  type WalStats,
} from './wal';
export {
  checkpointName,
  readCheckpoint,
  writeCheckpoint,
  type Checkpoint,
  type CheckpointOptions,
} from './checkpoint';
export { CheckpointCorruptionError, WalCorruptionError, WalError } from './errors';
export { nodeFs, type WalFile, type WalFs } from './fs';
export { crc32c } from './crc32c';
