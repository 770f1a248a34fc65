/** The error for request bodies that cannot be decoded (answered 400, not retried). */

/** A body that is not valid OTLP for its content type; `message` names what is wrong and where. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
  constructor(
    message: string,
    /** The format the body was decoded as. */
    readonly format: 'protobuf' | 'json',
  ) {
    super(message);
  }
}
