import { timingSafeEqual, createHash } from 'node:crypto';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import { exportResponse, statusBody } from '../otlp/encode';

const gunzipAsync = promisify(gunzip);

/** What the pipeline did with one request. */
export type IngestOutcome =
  /** Durable (fsynced to the WAL): 200, with partial success when `rejected > 0` or `message` is set. */
  | { kind: 'accepted'; rejected: number; message: string }
  /** Not OTLP at all: 400, not retried. */
  | { kind: 'invalid'; message: string }
  /** Over the WAL high-water mark or the WAL is failing: 503 + Retry-After, retried by the client. */
  | { kind: 'backpressure'; retryAfterSeconds: number; message: string };

/** The receiver's view of the rest of the service. */
export interface ReceiverHandlers {
  ingest(
    signal: 'traces' | 'metrics',
    format: 'protobuf' | 'json',
    body: Buffer,
    requestId: string,
  ): Promise<IngestOutcome>;
  /** Readiness: WAL writable and (InfluxDB reachable or the WAL has room). */
  readiness(): Promise<{ ready: boolean; checks: Record<string, string> }>;
}

/** Options of {@link buildReceiver}. */
export interface ReceiverOptions {
  /** Largest body after decompression, bytes. */
  maxBodyBytes: number;
  /** Required `Authorization: Bearer` token for `/v1/*`, if any. */
  bearerToken?: string;
  logger: Logger;
  handlers: ReceiverHandlers;
}

type Format = 'protobuf' | 'json';

const FORMATS: Record<string, Format> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

/** The body of a full success, per signal and format: the same every time, built once (never mutated). */
const EMPTY_RESPONSES = {
  traces: { protobuf: exportResponse('traces', 'protobuf'), json: exportResponse('traces', 'json') },
  metrics: { protobuf: exportResponse('metrics', 'protobuf'), json: exportResponse('metrics', 'json') },
} as const;

// google.rpc.Code values carried in the Status body of failures.
const RPC_INVALID_ARGUMENT = 3;
const RPC_RESOURCE_EXHAUSTED = 8;
const RPC_UNAUTHENTICATED = 16;
const RPC_UNAVAILABLE = 14;
const RPC_UNIMPLEMENTED = 12;

/**
 * The OTLP/HTTP receiver (fastify): `POST /v1/traces` and `/v1/metrics` in protobuf or JSON, optionally
 * gzip-compressed, answered in the request's own content type as the OTLP/HTTP specification asks, plus
 * `/healthz` and `/readyz`.
 *
 * Status codes: 200 (accepted, possibly with partial success), 400 (undecodable body: do not retry),
 * 401 (missing or wrong bearer token), 413 (body over the limit after decompression), 415 (content type or
 * encoding not supported), 503 + `Retry-After` (backpressure: retry later). Nothing a client sends can
 * crash the process: every failure becomes one of these answers.
 */
export function buildReceiver(options: ReceiverOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // No log line per request (let alone per span): problems are logged where they are answered.
    logController: new LogController({ disableRequestLogging: true }),
    // Compressed bodies cannot be larger than what they inflate to; the inflated size is checked below.
    bodyLimit: options.maxBodyBytes,
    genReqId: () => Math.random().toString(36).slice(2, 10),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const expectedAuth =
    options.bearerToken === undefined ? undefined : digest(`Bearer ${options.bearerToken}`);
  // Registered only with a token: an async hook costs every request a promise.
  if (expectedAuth !== undefined)
    app.addHook('onRequest', async (req, reply) => {
      if (!req.url.startsWith('/v1/')) return;
      const given = req.headers.authorization;
      // Compare digests so the comparison takes the same time whatever the token's length.
      if (given === undefined || !timingSafeEqual(digest(given), expectedAuth)) {
        reply.header('www-authenticate', 'Bearer');
        return fail(
          reply,
          formatOf(req) ?? 'json',
          401,
          RPC_UNAUTHENTICATED,
          'missing or invalid bearer token',
        );
      }
    });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const format = formatOf(req) ?? 'json';
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) {
      return fail(
        reply,
        format,
        413,
        RPC_RESOURCE_EXHAUSTED,
        `request body exceeds ${options.maxBodyBytes} bytes`,
      );
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return fail(reply, format, err.statusCode, RPC_INVALID_ARGUMENT, err.message);
    }
    req.log.error({ err }, 'unexpected error handling a request');
    return fail(reply, format, 500, RPC_UNAVAILABLE, 'internal error: see the server log');
  });

  const route = (signal: 'traces' | 'metrics') => async (req: FastifyRequest, reply: FastifyReply) => {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const format = FORMATS[contentType];
    if (format === undefined) {
      return fail(
        reply,
        'json',
        415,
        RPC_UNIMPLEMENTED,
        `unsupported content type "${contentType || '(none)'}": use application/x-protobuf or application/json`,
      );
    }
    let body = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding === 'gzip') {
      try {
        body = await gunzipAsync(body, { maxOutputLength: options.maxBodyBytes });
      } catch (err) {
        const e = err as Error & { code?: string };
        if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
          return fail(
            reply,
            format,
            413,
            RPC_RESOURCE_EXHAUSTED,
            `decompressed body exceeds ${options.maxBodyBytes} bytes`,
          );
        }
        return fail(reply, format, 400, RPC_INVALID_ARGUMENT, `invalid gzip body: ${e.message}`);
      }
    } else if (encoding !== 'identity' && encoding !== '') {
      return fail(
        reply,
        format,
        415,
        RPC_UNIMPLEMENTED,
        `unsupported Content-Encoding "${encoding}": use gzip or none`,
      );
    }
    const outcome = await options.handlers.ingest(signal, format, body, String(req.id));
    switch (outcome.kind) {
      case 'accepted': {
        const partial =
          outcome.rejected > 0 || outcome.message !== ''
            ? { rejected: outcome.rejected, errorMessage: outcome.message }
            : undefined;
        if (partial !== undefined) req.log.warn({ signal, rejected: outcome.rejected }, outcome.message);
        return reply
          .code(200)
          .header('content-type', format === 'json' ? 'application/json' : 'application/x-protobuf')
          .send(
            partial === undefined ? EMPTY_RESPONSES[signal][format] : exportResponse(signal, format, partial),
          );
      }
      case 'invalid':
        req.log.warn({ signal, format }, outcome.message);
        return fail(reply, format, 400, RPC_INVALID_ARGUMENT, outcome.message);
      case 'backpressure':
        reply.header('retry-after', String(outcome.retryAfterSeconds));
        return fail(reply, format, 503, RPC_UNAVAILABLE, outcome.message);
    }
  };

  app.post('/v1/traces', route('traces'));
  app.post('/v1/metrics', route('metrics'));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const r = await options.handlers.readiness();
    return reply
      .code(r.ready ? 200 : 503)
      .send({ status: r.ready ? 'ready' : 'not ready', checks: r.checks });
  });
  return app;
}

function formatOf(req: FastifyRequest): Format | undefined {
  return FORMATS[(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()];
}

function fail(
  reply: FastifyReply,
  format: Format,
  status: number,
  rpcCode: number,
  message: string,
): FastifyReply {
  return reply
    .code(status)
    .header('content-type', format === 'json' ? 'application/json' : 'application/x-protobuf')
    .send(statusBody(format, rpcCode, message));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
