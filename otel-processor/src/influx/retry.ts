/**
 * Bounded retries with exponential backoff and jitter, shared by the v1 and v2 write paths.
 *
 * Writes are idempotent (same series + timestamp overwrites), so a retry of a write that actually landed
 * is harmless; that is what makes retrying on timeouts and dropped connections safe.
 *
 * @packageDocumentation
 */
import { InfluxError } from './errors';

/** How to retry. */
export interface RetryOptions {
  /** Total attempts including the first (default 5; 1 disables retries). */
  maxAttempts?: number;
  /** Delay before the first retry, before jitter (default 200 ms). Doubles per attempt. */
  baseDelayMs?: number;
  /** Upper bound of any delay, including a server's `Retry-After` (default 10 s). */
  maxDelayMs?: number;
  /** Random source in [0, 1) for jitter (tests pass a constant). */
  random?: () => number;
  /** Sleep implementation (tests pass a recorder). */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry with the error and the delay chosen. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Defaults for {@link RetryOptions}. */
export const DEFAULT_RETRY = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 10_000 } as const;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Delay before retry number `attempt` (1 = first retry): "equal jitter" — half of the exponential step
 * is fixed, half random — so clients that failed together spread out but never hammer immediately.
 * A server's `Retry-After` is honoured when longer; everything is capped at `maxDelayMs`.
 */
export function backoffDelay(attempt: number, opts: RetryOptions = {}, retryAfterMs?: number): number {
  const base = opts.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const max = opts.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const random = opts.random ?? Math.random;
  const step = Math.min(max, base * 2 ** (attempt - 1));
  const jittered = step / 2 + random() * (step / 2);
  return Math.round(Math.min(max, Math.max(jittered, retryAfterMs ?? 0)));
}

/** Whether an error is worth retrying: an {@link InfluxError} says so itself; anything else is not. */
export function isRetryable(error: unknown): boolean {
  return error instanceof InfluxError && error.retryable;
}

/**
 * Runs `fn` until it succeeds, a non-retryable error occurs, or `maxAttempts` is reached; the last error
 * is rethrown. `fn` receives the 1-based attempt number.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const maxAttempts = Math.max(1, opts.maxAttempts ?? DEFAULT_RETRY.maxAttempts);
  const sleep = opts.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
      const delay = backoffDelay(
        attempt,
        opts,
        error instanceof InfluxError ? error.retryAfterMs : undefined,
      );
      opts.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}
