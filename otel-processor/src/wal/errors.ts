/**
 * Errors raised by the write-ahead log and the checkpoint. Each names the file (and offset) involved.
 *
 * @packageDocumentation
 */

/** An operation on the write-ahead log failed (I/O error, closed log, oversized record). */
export class WalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WalError';
  }
}

/** A record on disk failed validation (bad length, CRC mismatch, sequence out of order). */
export class WalCorruptionError extends WalError {
  constructor(
    /** Path of the segment file. */
    readonly file: string,
    /** Byte offset of the bad record's header within the file. */
    readonly offset: number,
    /** What was wrong, e.g. `CRC mismatch`. */
    readonly reason: string,
  ) {
    super(`corrupt WAL record in ${file} at offset ${offset}: ${reason}`);
    this.name = 'WalCorruptionError';
  }
}

/** The checkpoint file exists but cannot be trusted (bad magic, length, CRC or name). */
export class CheckpointCorruptionError extends Error {
  constructor(
    /** Path of the checkpoint file. */
    readonly file: string,
    /** What was wrong. */
    readonly reason: string,
  ) {
    super(`corrupt checkpoint ${file}: ${reason}`);
    this.name = 'CheckpointCorruptionError';
  }
}
